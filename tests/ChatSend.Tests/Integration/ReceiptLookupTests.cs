using Azure.Data.Tables;
using ChatSend.Delivery;
using ChatSend.Inbound;
using ChatSend.Messages;
using ChatSend.Providers.Callbacks;
using ChatSend.Queues;
using ChatSend.Receipts;
using ChatSend.Send;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.Integration;

/// <summary>
/// A provider's receipt names only the provider's id. Its entry is a row in the message's partition, written in the
/// transaction that records the message <c>sent</c>; a receipt that comes before that write goes back on the receipts
/// queue and is applied once the write has landed; one whose id no message ever gets is dropped after its last try, at a
/// bounded cost; entries that earlier versions wrote to their own table are still found, for their own session only.
/// </summary>
public sealed class ReceiptLookupTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestServices _services = null!;

    public Task InitializeAsync()
    {
        _services = new TestServices(azurite);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task TheSentWriteIndexesTheProvidersIdInTheMessagesPartitionAndNothingWritesTheOldTable()
    {
        var (session, key) = await _services.NewSessionAsync();
        var message = await _services.SendTextAsync(key, session.Id);

        var before = _services.Faults.Calls.Count;
        await _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);
        var calls = _services.Faults.Calls.Skip(before).ToList();

        var sent = (await _services.Get<MessageStore>().FindAsync(message.MessageId))!;
        Assert.Equal("sent", sent.Status);
        var entry = (await Table(StorageNames.MessagesTable).GetEntityAsync<TableEntity>(message.MessageId.PartitionKey,
            MessageRowKeys.ProviderIdOf(ScriptedProvider.ProviderName, sent.ProviderMessageId!))).Value;
        Assert.Equal(message.Id, entry.GetString("MessageId"));
        // The claim (with its marker, the message being in its chat's line) and the sent transaction are the only writes of
        // rows (beside the sweeper's hint for the marker's due time, when that falls in a minute /send did not note): the
        // entry rode in the second.
        var writes = calls.Where(IsWrite).Where(c => !c.StartsWith("PUT " + StorageNames.SweepIndexTable + "(", StringComparison.Ordinal)).ToList();
        Assert.True(writes is ["POST $batch", "POST $batch"], string.Join(Environment.NewLine, calls));
        Assert.DoesNotContain(calls, c => c.Contains(StorageNames.ProviderIdsTable, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(MessageStatus.Delivered, null)]
    [InlineData(MessageStatus.Failed, "131026: Message undeliverable")]
    public async Task AReceiptThatComesBeforeTheSentWriteIsAppliedOnceTheWriteLands(MessageStatus status, string? reason)
    {
        var (session, key) = await _services.NewSessionAsync();
        var message = await _services.SendTextAsync(key, session.Id);
        var providerId = $"scripted-{message.Id}-1"; // what the scripted provider will answer with
        var early = new Receipt(null, status, ProviderMessageId: providerId, Reason: reason, Provider: ScriptedProvider.ProviderName, Session: session.Id)
        {
            Partitions = session.Partitions,
        };

        // A fast provider's callback, before the provider's answer is recorded: not found yet, so back on the queue.
        await _services.Get<ReceiptHandler>().HandleAsync(QueueMessages.Serialize(early), CancellationToken.None);
        Assert.Contains(_services.Logs.Lines, l => l.Contains($"for session {session.Id}: a provider id no message has yet; tried again in 00:00:01"));
        Assert.Equal("queued", (await _services.Get<MessageStore>().FindAsync(message.MessageId))!.Status);

        await _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);
        var again = await TakeReceiptAsync(providerId);
        Assert.Equal(1, again.NotFoundTries);

        // Taken by another instance, which knows nothing in memory: one point read in the session's partition finds it.
        await using var other = new TestServices(azurite);
        await other.Get<ReceiptHandler>().HandleAsync(QueueMessages.Serialize(again), CancellationToken.None);

        var row = (await other.Get<MessageStore>().FindAsync(message.MessageId))!;
        Assert.Equal(status.ToWire(), row.Status);
        if (reason is not null)
            Assert.Contains(reason, row.FailureReason);
        Assert.DoesNotContain(other.Faults.Calls, c => c.Contains(StorageNames.ProviderIdsTable, StringComparison.Ordinal));
        Assert.DoesNotContain(other.Logs.Lines, l => l.Contains("a provider id no message has"));
    }

    [Fact]
    public async Task AReceiptWhoseIdNoMessageEverGetsIsTriedAgainForAboutTwoMinutesThenDropped()
    {
        var (session, _) = await _services.NewSessionAsync();
        var unknown = new Receipt(null, MessageStatus.Read, ProviderMessageId: "another-gateways-" + Guid.NewGuid().ToString("N"),
            Provider: ScriptedProvider.ProviderName, Session: session.Id) { Partitions = session.Partitions };
        var handler = _services.Get<ReceiptHandler>();

        var callsPerTry = new List<string[]>();
        for (var tries = 0; tries <= ReceiptHandler.MaxNotFoundRetries; tries++)
        {
            var before = _services.Faults.Calls.Count;
            await handler.HandleAsync(QueueMessages.Serialize(unknown with { NotFoundTries = tries == 0 ? null : tries }), CancellationToken.None);
            callsPerTry.Add(_services.Faults.Calls.Skip(before).Select(Kind).ToArray());
        }

        // Each try: one point read in each of the session's partitions (it has one unless the tests run with more; the
        // receipt names no chat), and a put back on the queue; the old table is read on the first and the last try only;
        // the last puts nothing.
        string[] read = [.. Enumerable.Repeat("GET messages", session.Partitions)], old = ["GET providerids"], put = ["POST receipts/messages"];
        Assert.Equal([[.. read, .. old, .. put], .. Enumerable.Repeat<string[]>([.. read, .. put], 6), [.. read, .. old]], callsPerTry);
        var waits = _services.Logs.Lines.Where(l => l.Contains($"for session {session.Id}: a provider id no message has yet; tried again in"))
            .Select(l => TimeSpan.Parse(l[(l.IndexOf("tried again in ", StringComparison.Ordinal) + 15)..].Split(' ')[0])).ToList();
        Assert.Equal([1, 2, 4, 8, 16, 32, 64], waits.Select(w => (int)w.TotalSeconds));
        Assert.Single(_services.Logs.Lines, l => l.Contains($"for session {session.Id}: a provider id no message has; acknowledged"));
    }

    [Theory]
    [InlineData(true)] // the version before this one: the session's own row
    [InlineData(false)] // earlier still: the provider's name alone
    public async Task AnEntryAnEarlierVersionWroteToItsOwnTableIsStillFoundForItsOwnSessionOnly(bool withSession)
    {
        var (session, key) = await _services.NewSessionAsync();
        var message = await _services.SendTextAsync(key, session.Id);
        var providerId = "earlier/" + Guid.NewGuid().ToString("N");
        await Table(StorageNames.ProviderIdsTable).AddEntityAsync(new TableEntity(Uri.EscapeDataString(providerId),
            ScriptedProvider.ProviderName + (withSession ? ":" + session.Id : "")) { ["MessageId"] = message.Id });
        var receipts = _services.Get<ReceiptHandler>();

        var other = await receipts.ApplyAsync(new Receipt(null, MessageStatus.Delivered, ProviderMessageId: providerId,
            Provider: ScriptedProvider.ProviderName, Session: "someone-else"));
        var own = await receipts.ApplyAsync(new Receipt(null, MessageStatus.Delivered, ProviderMessageId: providerId,
            Provider: ScriptedProvider.ProviderName, Session: session.Id) { Partitions = session.Partitions });

        Assert.Null(other);
        Assert.Equal(("delivered", message.Id), (own!.Status, own.Id));
    }

    [Fact]
    public async Task AProvidersReceiptNamingACustomersMessageMovesNothing()
    {
        var (session, _) = await _services.NewSessionAsync();
        var providerId = "in-" + Guid.NewGuid().ToString("N");
        var report = new InboundReport(session.Id, providerId, DateTimeOffset.UtcNow, "+12025550123", "+12025550123", MessageType.Text, "hello");
        var (received, _) = await _services.Get<InboundRecorder>().RecordAsync(session, ScriptedProvider.ProviderName, report, CancellationToken.None);

        var row = await _services.Get<ReceiptHandler>().ApplyAsync(new Receipt(null, MessageStatus.Read, ProviderMessageId: providerId,
            Provider: ScriptedProvider.ProviderName, Session: session.Id) { Partitions = session.Partitions });

        Assert.Equal((received.Id, "received"), (row!.Id, row.Status));
    }

    [Fact]
    public async Task InASessionOfFourPartitionsAReceiptNamingItsChatReadsThatPartitionAndOneNamingNoneReadsAllFour()
    {
        var (session, key) = await _services.NewSessionAsync(partitions: 4);
        var to = TestSessions.RecipientIn(3, 4);
        var message = await _services.SendTextAsync(key, session.Id, to);
        await _services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(message.MessageId), CancellationToken.None);
        var providerId = (await _services.Get<MessageStore>().FindAsync(message.MessageId))!.ProviderMessageId!;
        Receipt Report(MessageStatus status, string? chat) => new(null, status, ProviderMessageId: providerId, Provider: ScriptedProvider.ProviderName,
            Session: session.Id) { Partitions = 4, Chat = chat };

        // Each taken by an instance that knows nothing in memory.
        var named = await LookupsAsync(Report(MessageStatus.Delivered, to));
        var unnamed = await LookupsAsync(Report(MessageStatus.Read, null));
        var misnamed = await LookupsAsync(Report(MessageStatus.Played, TestSessions.RecipientIn(1, 4))); // a chat the provider writes otherwise

        Assert.Equal([$"{session.Id}~3"], named);
        Assert.Equal(MessagePartitions.All(session).Order(), unnamed.Order());
        Assert.Equal([$"{session.Id}~1", .. new[] { session.Id, $"{session.Id}~2", $"{session.Id}~3" }], [misnamed[0], .. misnamed[1..].Order()]);
        Assert.Equal("read", (await _services.Get<MessageStore>().FindAsync(message.MessageId))!.Status); // played is a voice note's only
    }

    /// <summary>The partitions a receipt's lookup of its provider's id read, in order, on an instance of its own; the receipt applied.</summary>
    private async Task<List<string>> LookupsAsync(Receipt receipt)
    {
        await using var instance = new TestServices(azurite);
        await instance.Get<ReceiptHandler>().ApplyAsync(receipt);
        return instance.Faults.Calls.Select(Uri.UnescapeDataString).Where(c => c.Contains("RowKey='~~~p:", StringComparison.Ordinal))
            .Select(c => c[(c.IndexOf("PartitionKey='", StringComparison.Ordinal) + 14)..].Split('\'')[0]).ToList();
    }

    private TableClient Table(string name) => azurite.Clients.Table(name);

    /// <summary>Waits for the receipt of <paramref name="providerId"/> to show on its shard of the receipts queue again, and takes it off.</summary>
    private async Task<Receipt> TakeReceiptAsync(string providerId)
    {
        var queue = _services.Get<QueueShards>().Of(StorageNames.ReceiptsQueue).For(providerId);
        Receipt? found = null;
        await Eventually.MatchesAsync(async () =>
        {
            foreach (var queued in (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value)
            {
                if (QueueMessages.TryRead<Receipt>(queued.Body.ToString(), out var receipt) && receipt.ProviderMessageId == providerId)
                {
                    found = receipt;
                    await queue.DeleteMessageAsync(queued.MessageId, queued.PopReceipt);
                }
            }
            return found;
        }, r => r is not null);
        return found!;
    }

    private static bool IsWrite(string call) => !call.StartsWith("GET ", StringComparison.Ordinal) && !call.StartsWith("DELETE deliveries", StringComparison.Ordinal);

    /// <summary>The call without its keys or shard: <c>GET messages(PartitionKey=…)</c> is <c>GET messages</c>.</summary>
    private static string Kind(string call) => QueueCalls.Unsharded(call.IndexOf('(') is var i and > 0 ? call[..i] : call);
}
