using System.Diagnostics;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Sessions;
using ChatSend.Telemetry;

namespace ChatSend.Delivery;

/// <summary>A provider's send call with its span and metrics, and what a successful one records.</summary>
internal static class ProviderCall
{
    /// <summary>
    /// Calls <paramref name="provider"/> in a client span (its HTTP calls below it). Not the host's stopping token: a
    /// send under way finishes rather than becoming an unknown outcome. The outcome tag is <c>ok</c>, <c>transient</c>,
    /// <c>refused</c> or <c>error</c> (anything but a provider error); the error's text is left out, as it may quote
    /// the message.
    /// </summary>
    public static async Task<ProviderReceipt> SendAsync(IChannelProvider provider, OutboundMessage outbound, Session session, int attempt)
    {
        using var activity = ChatSendTelemetry.StartProviderCall(provider.Name, outbound.Id, attempt);
        var started = Stopwatch.GetTimestamp();
        var outcome = "ok";
        try
        {
            return await provider.SendAsync(outbound, session, CancellationToken.None);
        }
        catch (Exception ex)
        {
            outcome = ex is ProviderException p ? p.IsTransient ? "transient" : "refused" : "error";
            activity?.SetStatus(ActivityStatusCode.Error, outcome);
            throw;
        }
        finally
        {
            var tags = new TagList { { ChatSendTelemetry.Tags.Provider, provider.Name }, { ChatSendTelemetry.Tags.Outcome, outcome } };
            ChatSendTelemetry.ProviderDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
            if (outcome != "ok")
                ChatSendTelemetry.ProviderErrors.Add(1, tags);
            activity?.SetTag(ChatSendTelemetry.Tags.Outcome, outcome);
        }
    }

    /// <summary>Counts a message the provider took, and the time from its acceptance.</summary>
    public static void RecordSent(string provider, MessageEntity message, DateTimeOffset now)
    {
        ChatSendTelemetry.Sent.Add(1, new KeyValuePair<string, object?>(ChatSendTelemetry.Tags.Provider, provider));
        ChatSendTelemetry.AcceptToSent.Record(Math.Max(0, (now - message.AcceptedAt).TotalSeconds),
            new KeyValuePair<string, object?>(ChatSendTelemetry.Tags.Provider, provider),
            new KeyValuePair<string, object?>("scheduled", message.SendAt is not null));
    }
}
