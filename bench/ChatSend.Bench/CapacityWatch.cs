using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using ChatSend.Events;
using ChatSend.Messages;
using ChatSend.Storage;

namespace ChatSend.Bench;

/// <summary>
/// The capacity part's own look at storage: whether every message of the session is final and every queue empty, and
/// whether every status in each message's history reached the webhook. Through clients of its own, outside the app's
/// pipeline; their requests are counted (<see cref="Requests"/>) to be taken off the emulator's log.
/// </summary>
internal sealed class CapacityWatch
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(500);
    private readonly StorageCallCounter _own;
    private readonly TableClient _messages;
    private readonly QueueServiceClient _queues;

    public CapacityWatch(Azurite azurite)
    {
        _own = new StorageCallCounter(azurite);
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(_own, HttpPipelinePosition.PerRetry);
        _messages = new TableServiceClient(azurite.ConnectionString, tableOptions).GetTableClient(StorageNames.MessagesTable);
        var queueOptions = new QueueClientOptions();
        queueOptions.AddPolicy(_own, HttpPipelinePosition.PerRetry);
        _queues = new QueueServiceClient(azurite.ConnectionString, queueOptions);
    }

    public long Requests => _own.Snapshot().Values.Sum();

    /// <summary>Waits until <paramref name="read"/> messages of <paramref name="session"/> are read and <paramref name="received"/> received.</summary>
    public async Task WaitForFinalAsync(string session, int read, int received, TimeSpan timeout)
    {
        for (var deadline = DateTime.UtcNow + timeout; ; await Task.Delay(Every))
        {
            var statuses = await StatusesAsync(session);
            if (statuses.GetValueOrDefault(MessageStatus.Read) == read && statuses.GetValueOrDefault(MessageStatus.Received) == received)
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"expected {read} messages read and {received} received after {timeout}, found " +
                                           string.Join(", ", statuses.Select(s => $"{s.Value} {s.Key.ToWire()}")));
        }
    }

    /// <summary>Waits until every queue is empty, the messages being handled included (the approximate count has them).</summary>
    public async Task WaitForEmptyQueuesAsync(TimeSpan timeout)
    {
        for (var deadline = DateTime.UtcNow + timeout; ; await Task.Delay(Every))
        {
            var waiting = new List<string>();
            await foreach (var queue in _queues.GetQueuesAsync())
                if ((await _queues.GetQueueClient(queue.Name).GetPropertiesAsync()).Value.ApproximateMessagesCount is > 0 and var count)
                    waiting.Add($"{queue.Name} {count}");
            if (waiting.Count == 0)
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"queues not empty after {timeout}: {string.Join(", ", waiting)}");
        }
    }

    /// <summary>
    /// Throws unless every status in each message's history has its event at <paramref name="receiver"/> (a receipt may
    /// overtake the write that records <c>sent</c>: then the history has no <c>sent</c>, and there is no such event).
    /// </summary>
    public async Task CheckEventsAsync(string session, WebhookReceiver receiver)
    {
        var missing = new List<string>();
        await foreach (var row in _messages.QueryAsync<MessageEntity>(MessageRowKeys.Messages.Filter(session)))
            missing.AddRange(row.GetHistory().Select(change => MessageEvents.IdOf(row.MessageId, change.Status))
                .Where(id => !receiver.EventIds.ContainsKey(id)));
        if (missing.Count > 0)
            throw new InvalidOperationException($"{missing.Count} events never reached the webhook: {string.Join(", ", missing.Take(10))}");
        if (receiver.BadSignatures > 0)
            throw new InvalidOperationException($"{receiver.BadSignatures} webhook requests did not verify");
    }

    private async Task<Dictionary<MessageStatus, int>> StatusesAsync(string session)
    {
        var statuses = new Dictionary<MessageStatus, int>();
        await foreach (var row in _messages.QueryAsync<TableEntity>(MessageRowKeys.Messages.Filter(session), select: ["Status"]))
        {
            var status = MessageStatuses.Parse(row.GetString("Status"));
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
        }
        return statuses;
    }
}
