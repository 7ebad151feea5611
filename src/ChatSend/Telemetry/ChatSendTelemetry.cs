using System.Diagnostics;
using System.Diagnostics.Metrics;
using ChatSend.Messages;

namespace ChatSend.Telemetry;

/// <summary>
/// ChatSend's one ActivitySource and one Meter, both named <see cref="Name"/>, with every span and instrument it
/// emits. Spans and tags carry ids, statuses, provider names and counts: never a phone number, text, key or URL.
/// A message's spans share one trace: the send's context is stored on the row and carried by its delivery jobs,
/// and every later hop (delivery attempts, receipts) is started as its child.
/// </summary>
public static class ChatSendTelemetry
{
    public const string Name = "ChatSend";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Accepted = Meter.CreateCounter<long>("chatsend.messages.accepted", "{message}",
        "Messages accepted by POST /send (tag: type).");
    public static readonly Counter<long> Received = Meter.CreateCounter<long>("chatsend.messages.received", "{message}",
        "Customers' messages recorded from provider callbacks, once each (tag: type).");
    public static readonly Counter<long> Sent = Meter.CreateCounter<long>("chatsend.messages.sent", "{message}",
        "Messages a provider took (tag: provider).");
    public static readonly Counter<long> Delivered = Meter.CreateCounter<long>("chatsend.messages.delivered", "{message}",
        "Receipts that moved a message to delivered.");
    public static readonly Counter<long> Read = Meter.CreateCounter<long>("chatsend.messages.read", "{message}",
        "Receipts that moved a message to read.");
    public static readonly Counter<long> Failed = Meter.CreateCounter<long>("chatsend.messages.failed", "{message}",
        "Messages that ended failed (tag: reason, a FailureCategory).");

    public static readonly Histogram<double> AcceptToSent = Meter.CreateHistogram<double>("chatsend.delivery.accept_to_sent", "s",
        "From acceptance (AcceptedAt) to the provider taking the message; includes a scheduled message's wait (tag: scheduled).");
    public static readonly Histogram<double> ProviderDuration = Meter.CreateHistogram<double>("chatsend.provider.duration", "s",
        "One provider send call (tags: provider, outcome).");
    public static readonly Counter<long> ProviderErrors = Meter.CreateCounter<long>("chatsend.provider.errors", "{call}",
        "Provider send calls that failed (tags: provider, outcome).");
    public static readonly Histogram<double> QueueAge = Meter.CreateHistogram<double>("chatsend.queue.age", "s",
        "From when a queue message became visible to when a handler took it (tag: queue).");

    /// <summary>Attempts that stopped between the provider call and recording its answer (a possible duplicate under Resend).</summary>
    public static readonly Counter<long> UnknownOutcomes = Meter.CreateCounter<long>("chatsend.delivery.unknown_outcomes", "{attempt}");

    /// <summary>Receipts for provider ids no message has (another system's messages, or ones long gone): acknowledged, counted.</summary>
    public static readonly Counter<long> UnknownProviderIds = Meter.CreateCounter<long>("chatsend.receipts.unknown_provider_ids", "{receipt}");

    /// <summary>
    /// Webhook delivery attempts to customer endpoints, one per event posted (WebhookDeliveryHandler): tags <c>endpoint</c> (the
    /// registered endpoint's id, never its URL) and <c>outcome</c> (<c>delivered</c>, <c>retrying</c>, <c>failed</c>).
    /// </summary>
    public static readonly Counter<long> WebhookDeliveries = Meter.CreateCounter<long>("chatsend.webhooks.deliveries", "{delivery}",
        "Webhook deliveries to customer endpoints (tags: endpoint, outcome).");

    /// <summary>The span of one <c>POST /send</c>, under the host's request span; null when no one listens.</summary>
    public static Activity? StartSend() => Source.StartActivity(Spans.Send);

    /// <summary>Names the accepted message on the send span (ids and type only).</summary>
    public static void TagSend(MessageEntity message)
    {
        if (Activity.Current is { } send && send.Source == Source && send.OperationName == Spans.Send)
            send.SetTag(Tags.MessageId, message.Id).SetTag(Tags.Session, message.Session).SetTag(Tags.MessageType, message.Type);
    }

    /// <summary>A queue put (producer).</summary>
    public static Activity? StartQueuePut(string queue, MessageId? id)
    {
        var activity = Source.StartActivity(Spans.QueuePut, ActivityKind.Producer);
        activity?.SetTag(Tags.Destination, queue).SetTag(Tags.Operation, "send").SetTag(Tags.MessageId, id?.Value);
        return activity;
    }

    /// <summary>
    /// A hop of a message's work that comes off a queue (a delivery, a receipt): a child of the message's trace when
    /// it has one, linked to the span the host runs the handler in (the Functions invocation, the local listener's).
    /// </summary>
    public static Activity? StartMessageHop(string name, MessageId id, TraceContext? trace)
    {
        var parent = trace?.ToActivityContext() ?? default;
        var current = Activity.Current;
        ActivityLink[]? links = current is not null && parent != default && current.TraceId != parent.TraceId
            ? [new ActivityLink(current.Context)]
            : null;
        var activity = parent == default
            ? Source.StartActivity(name, ActivityKind.Consumer)
            : Source.StartActivity(name, ActivityKind.Consumer, parent, links: links);
        activity?.SetTag(Tags.MessageId, id.Value);
        return activity;
    }

    /// <summary>One provider send call (client), a child of the delivery span.</summary>
    public static Activity? StartProviderCall(string provider, MessageId id, int attempt)
    {
        var activity = Source.StartActivity(Spans.ProviderSend, ActivityKind.Client);
        activity?.SetTag(Tags.Provider, provider).SetTag(Tags.MessageId, id.Value).SetTag(Tags.Attempt, attempt);
        return activity;
    }

    /// <summary>The W3C context of the current span, to store with a message; null when there is none.</summary>
    public static TraceContext? CurrentContext() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? new TraceContext(current.Id!, current.TraceStateString) : null;

    public static void RecordQueueAge(string queue, DateTimeOffset? visibleAt, DateTimeOffset now)
    {
        if (visibleAt is { } at)
            QueueAge.Record(Math.Max(0, (now - at).TotalSeconds), new KeyValuePair<string, object?>(Tags.Queue, queue));
    }

    public static void RecordFailed(FailureCategory category) =>
        Failed.Add(1, new KeyValuePair<string, object?>(Tags.Reason, category.ToTag()));

    /// <summary>Span names.</summary>
    public static class Spans
    {
        public const string Send = "chatsend.send";
        public const string QueuePut = "chatsend.queue.put";
        public const string QueueProcess = "chatsend.queue.process";
        public const string Deliver = "chatsend.deliver";
        public const string ProviderSend = "chatsend.provider.send";
        public const string Receipt = "chatsend.receipt";
        public const string Sweep = "chatsend.sweep";
    }

    /// <summary>Span attribute and metric tag names.</summary>
    public static class Tags
    {
        public const string MessageId = "chatsend.message.id";
        public const string MessageType = "chatsend.message.type";
        public const string Session = "chatsend.session";
        public const string Provider = "chatsend.provider";
        public const string Attempt = "chatsend.delivery.attempt";
        public const string Outcome = "chatsend.outcome";
        public const string Status = "chatsend.status";
        public const string Destination = "messaging.destination.name";
        public const string Operation = "messaging.operation.type";
        public const string Queue = "queue";
        public const string Reason = "reason";
    }
}

/// <summary>A W3C trace context as carried by a queue message and stored on a message row.</summary>
public sealed record TraceContext(string TraceParent, string? TraceState)
{
    public static TraceContext? From(string? traceParent, string? traceState) =>
        string.IsNullOrEmpty(traceParent) ? null : new TraceContext(traceParent, traceState);

    public ActivityContext? ToActivityContext() =>
        ActivityContext.TryParse(TraceParent, TraceState, isRemote: true, out var context) ? context : null;
}
