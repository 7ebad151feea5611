using System.Diagnostics;
using Azure.Storage.Queues;
using ChatSend.Messages;
using ChatSend.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Bench;

/// <summary>
/// Customers' messages coming in: signed Cloud API notifications of <see cref="RunSpec.Batch"/> text messages posted to
/// the local host (queue listeners on), <see cref="RunSpec.Concurrency"/> at once, with no webhook following the session
/// and with one (so each message's event goes all the way out while callbacks come in), each against its
/// <see cref="InboundFloor"/>; the storage calls per message with and without the webhook; and the time from posting a
/// callback to the webhook receiving its message's event.
/// A run's <see cref="RunSpec.Count"/> and <see cref="RunSpec.Warmup"/> are messages.
/// </summary>
internal static class InboundRun
{
    public const string Floor = "floor";
    public const string FloorWithEvents = "floor-events";
    public const string Alone = "no-webhook";
    public const string WithWebhook = "webhook";
    public const string CallsAlone = "calls-no-webhook";
    public const string CallsWithWebhook = "calls-webhook";
    public const string ToWebhook = "to-webhook";

    /// <summary>The latency run posts one callback (of one message) every this many milliseconds: a steady 20 messages a second.</summary>
    public const int ToWebhookPaceMs = 50;

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public static Task<RunResult> RunAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter) => spec.Side switch
    {
        Floor or FloorWithEvents => FloorAsync(spec, azurite, counter),
        Alone or WithWebhook => ProductAsync(spec, azurite, counter),
        CallsAlone or CallsWithWebhook => CallsAsync(spec, azurite, counter),
        ToWebhook => ToWebhookAsync(spec, azurite, counter),
        _ => throw new ArgumentException("no inbound side " + spec.Side),
    };

    private static async Task<RunResult> ProductAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter)
    {
        await using var host = await InboundHost.StartAsync(azurite, counter, webhook: spec.Side == WithWebhook);
        var result = await Measure.WarmThenLoadAsync(spec, counter,
            callback => host.Callbacks.PostAsync(CloudNotification.Create(InboundHost.PhoneNumberId, callback, spec.Batch)));
        await host.CheckAllAsync(spec.Warmup + spec.Count);
        return result;
    }

    private static async Task<RunResult> FloorAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter)
    {
        await using var services = BenchHost.CreateServices(azurite, counter);
        var session = await BenchHost.CreateSessionAsync(services, FakeProvider.ProviderName);
        var floor = new InboundFloor(services.GetRequiredService<StorageClients>(), session, events: spec.Side == FloorWithEvents);
        var result = await Measure.WarmThenLoadAsync(spec, counter,
            callback => floor.ApplyAsync(CloudNotification.Create(InboundHost.PhoneNumberId, callback, spec.Batch)));
        await BenchHost.CheckAllAsync(services, session, spec.Warmup + spec.Count, MessageStatus.Received);
        return result;
    }

    // Counts calls, not time: from the first callback until, with the webhook, every message's event is posted and its
    // jobs are done, so the session lookups and the webhook's cached reads are in it as they come.
    private static async Task<RunResult> CallsAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter)
    {
        await using var host = await InboundHost.StartAsync(azurite, counter, webhook: spec.Side == CallsWithWebhook);
        var result = await Measure.RunAsync(spec, counter, async () =>
        {
            await Measure.LoadAsync(spec.Count / spec.Batch, spec.Concurrency,
                callback => host.Callbacks.PostAsync(CloudNotification.Create(InboundHost.PhoneNumberId, callback, spec.Batch)));
            if (host.Receiver is { } receiver)
            {
                await receiver.WaitForAsync(spec.Count, Timeout);
                await counter.WaitForDeletesAsync(StorageNames.EventsQueue, spec.Count, Timeout);
                await WaitForEmptyAsync(host.App.Services.GetRequiredService<StorageClients>().Queue(StorageNames.WebhookDeliveriesQueue));
            }
            return null;
        });
        await host.CheckAllAsync(spec.Count);
        return result;
    }

    // A job that found the endpoint busy went back on the queue, so its deletes can outnumber the events: the queue
    // is empty (its approximate count includes jobs being handled) once the last delivery was logged and deleted.
    private static async Task WaitForEmptyAsync(QueueClient queue)
    {
        for (var deadline = DateTime.UtcNow + Timeout; (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0; await Task.Delay(50))
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"queue {queue.Name} not empty after {Timeout}");
    }

    // One callback every ToWebhookPaceMs (sooner only to catch up), each message timed from the start of its callback's
    // POST to its event reaching the receiver; the warm-up's messages are not timed.
    private static async Task<RunResult> ToWebhookAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter)
    {
        await using var host = await InboundHost.StartAsync(azurite, counter, webhook: true);
        var receiver = host.Receiver!;
        var posted = new Dictionary<string, long>();
        var (warmup, count) = (spec.Warmup / spec.Batch, spec.Count / spec.Batch);
        var start = Stopwatch.GetTimestamp();

        async Task PostAsync(int callback)
        {
            var due = TimeSpan.FromMilliseconds(callback * ToWebhookPaceMs) - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.Zero)
                await Task.Delay(due);
            var notification = CloudNotification.Create(InboundHost.PhoneNumberId, callback, spec.Batch);
            if (callback >= warmup)
                foreach (var message in notification.Messages)
                    posted[message.ProviderId] = Stopwatch.GetTimestamp();
            await host.Callbacks.PostAsync(notification);
        }

        for (var callback = 0; callback < warmup; callback++)
            await PostAsync(callback);
        var result = await Measure.RunAsync(spec, counter, async () =>
        {
            for (var callback = warmup; callback < warmup + count; callback++)
                await PostAsync(callback);
            await receiver.WaitForAsync(spec.Warmup + spec.Count, Timeout);
            return Latency.Of([.. posted.Select(p => Stopwatch.GetElapsedTime(p.Value, receiver.Arrived[p.Key]).TotalMilliseconds)]);
        });
        if (receiver.BadSignatures > 0)
            throw new InvalidOperationException($"{receiver.BadSignatures} webhook requests did not verify");
        await host.CheckAllAsync(spec.Warmup + spec.Count);
        return result;
    }
}
