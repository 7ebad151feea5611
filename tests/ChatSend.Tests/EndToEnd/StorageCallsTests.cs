using System.Net;
using ChatSend.Auth;
using ChatSend.Inbound;
using ChatSend.Messages;
using ChatSend.Providers.Callbacks;
using ChatSend.Send;
using ChatSend.Providers.Waha;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Sessions;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// What a message costs in storage calls through the running local host, counted in the storage clients' pipeline:
/// every table, queue and blob request the app makes, on each try. The queue listeners' polls (GET on a queue's
/// messages) are left out: they take up to 16 messages each and poll empty queues too, so they are not per message.
/// Both hosts' counts hold on one instance; across instances, a job or receipt handled on another instance than the
/// row's last write costs one more read. The sweeper's hints are left out too: one per session and minute, not per message.
/// </summary>
public sealed class StorageCallsTests(Azurite azurite, FakeWaha waha, MediaServer media, WebhookReceiver receiver)
    : IClassFixture<Azurite>, IClassFixture<FakeWaha>, IClassFixture<MediaServer>, IClassFixture<WebhookReceiver>, IAsyncLifetime
{
    private readonly StorageFaults _calls = new();
    private TestApp _app = null!;

    public async Task InitializeAsync()
    {
        // Jobs an earlier test left (one without listeners queues jobs no one takes) would be handled here, uncounted by SettledAsync.
        foreach (var queue in StorageNames.QueuesFor(StorageNames.MaxQueueShards))
            await azurite.Clients.Queue(queue).ClearMessagesAsync();
        _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["ChatSend:Sandbox:DeliveredAfter"] = "00:00:00",
            ["ChatSend:Sandbox:ReadAfter"] = "00:00:00",
            ["ChatSend:Secrets:waha_key"] = FakeWaha.ApiKey,
            ["ChatSend:Secrets:waha_hmac"] = FakeWaha.HmacKey,
            ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32",
            ["ChatSend:Webhooks:AllowHttp"] = "true",
        }, services => services.AddSingleton(new StoragePipelinePolicy(_calls)));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task WhereTheWindowIsEnforcedASendReadsTheChatsRecordAtMostOnceAndNotWhileItIsKnownOpen()
    {
        var calls = new StorageFaults();
        await using var app = await StartWithoutListenersAsync(calls);
        var (session, key) = await app.NewSessionAsync(settings: new Dictionary<string, string> { ["windowPolicy"] = "enforce" });
        await SendAsync(app, session.Id, key, expected: System.Net.HttpStatusCode.UnprocessableEntity); // the key and the session read once

        var before = calls.Calls.Count;
        await SendAsync(app, session.Id, key, expected: System.Net.HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["GET messages()"], calls.Calls.Skip(before).Where(c => !IsSweepHint(c)).Select(QueueCalls.Unsharded));

        await ReceiveAsync(app, session.Id, key, "+12025550123");
        before = calls.Calls.Count;
        await SendAsync(app, session.Id, key);

        Assert.Equal(["POST $batch", "POST deliveries/messages"], calls.Calls.Skip(before).Where(c => !IsSweepHint(c)).Select(QueueCalls.Unsharded)); // the customer's message left it known open here
    }

    [Fact]
    public async Task SendingATextMessageMakesTwoStorageCallsOnceTheKeySessionAndChatAreKnown()
    {
        var calls = new StorageFaults();
        await using var app = await StartWithoutListenersAsync(calls);
        var (session, key) = await app.NewSessionAsync();
        await SendAsync(app, session.Id, key, to: "+12025550199"); // reads the key and the session once
        await ReceiveAsync(app, session.Id, key, "+12025550123"); // this instance wrote the chat's record

        var before = calls.Calls.Count;
        await SendAsync(app, session.Id, key);

        Assert.Equal(["POST $batch", "POST deliveries/messages"], calls.Calls.Skip(before).Where(c => !IsSweepHint(c)).Select(QueueCalls.Unsharded));
    }

    [Fact]
    public async Task TheFirstSendToAChatThisInstanceDoesNotKnowReadsTheChatsRecordOnce()
    {
        var calls = new StorageFaults();
        await using var app = await StartWithoutListenersAsync(calls);
        var (session, key) = await app.NewSessionAsync();
        await SendAsync(app, session.Id, key, to: "+12025550199");

        var before = calls.Calls.Count;
        await SendAsync(app, session.Id, key);

        // The record gives the send its number in the chat's line; the transaction moves it on with the row.
        Assert.Equal(["GET messages()", "POST $batch", "POST deliveries/messages"],
            calls.Calls.Skip(before).Where(c => !IsSweepHint(c)).Select(QueueCalls.Unsharded));
    }

    [Fact]
    public async Task ASendBehindAnotherToTheSameChatQueuesNoJobOfItsOwn()
    {
        var calls = new StorageFaults();
        await using var app = await StartWithoutListenersAsync(calls);
        var (session, key) = await app.NewSessionAsync();
        await SendAsync(app, session.Id, key); // no listeners here: it holds the chat's turn from now on

        var before = calls.Calls.Count;
        await SendAsync(app, session.Id, key);

        Assert.Equal(["POST $batch"], calls.Calls.Skip(before).Where(c => !IsSweepHint(c)).Select(QueueCalls.Unsharded)); // the one before it queues its job when it ends
    }

    [Fact]
    public async Task SixtyFourSendsAtOnceToOneChatTakeTurnsOnTheInstanceAndEachLandsInOneTransaction()
    {
        var calls = new StorageFaults();
        await using var app = await StartWithoutListenersAsync(calls);
        var (session, key) = await app.NewSessionAsync();
        await SendAsync(app, session.Id, key, to: "+12025550199"); // the key and the session read once

        var before = calls.Calls.Count;
        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => SendAsync(app, session.Id, key)));
        var made = calls.Calls.Skip(before).Where(c => !IsSweepHint(c)).Select(QueueCalls.Unsharded).ToList();

        // One read of the chat's record, then each send's own transaction; the first's job. A transaction is refused only
        // when Azurite answered the one before with an ETag a few milliseconds off what it stored (a quirk of its batches:
        // Azure answers the stored one), and then read once and tried once more. Racing at storage, they would be hundreds.
        var refused = made.Count(c => c == "POST $batch") - 64;
        Assert.Equal((1 + refused, 1), (made.Count(c => c == "GET messages()"), made.Count(c => c == "POST deliveries/messages")));
        Assert.InRange(refused, 0, 16);
    }

    [Fact]
    public async Task AnIdempotencyKeyAddsOneCall()
    {
        var calls = new StorageFaults();
        await using var app = await StartWithoutListenersAsync(calls);
        var (session, key) = await app.NewSessionAsync();
        await SendAsync(app, session.Id, key, ordered: false);

        var before = calls.Calls.Count;
        await SendAsync(app, session.Id, key, idempotencyKey: Guid.NewGuid().ToString(), ordered: false);

        var made = calls.Calls.Skip(before).Where(c => !IsSweepHint(c)).Select(QueueCalls.Unsharded).ToList();
        Assert.True(made.Count == 3, string.Join(Environment.NewLine, made));
    }

    [Fact]
    public async Task AReplyAddsOneReadOfTheQuotedMessage()
    {
        var calls = new StorageFaults();
        await using var app = await StartWithoutListenersAsync(calls);
        var (session, key) = await app.NewSessionAsync();
        await SendAsync(app, session.Id, key, ordered: false);
        var report = new InboundReport(session.Id, "in-" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow, "+12025550123",
            "+12025550123", MessageType.Text, "where is my order?");
        var (question, _) = await app.Services.GetRequiredService<InboundRecorder>().RecordAsync(session, session.Provider, report, CancellationToken.None);

        var before = calls.Calls.Count;
        await SendAsync(app, session.Id, key, replyTo: question.Id);

        Assert.Equal([$"GET messages(PartitionKey='{session.Id}',RowKey='{question.RowKey}')", "POST $batch", "POST deliveries/messages"],
            calls.Calls.Skip(before).Where(c => !IsSweepHint(c)).Select(QueueCalls.Unsharded));
    }

    private static async Task ReceiveAsync(TestApp app, string session, string key, string from)
    {
        using var written = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/sandbox/sessions/{session}/inbound", key,
            $$"""{"from":"{{from}}","text":"hi"}"""));
        Assert.Equal(HttpStatusCode.Accepted, written.StatusCode);
    }

    // /send alone, counted on its own: no delivery work runs in this host.
    private Task<TestApp> StartWithoutListenersAsync(StorageFaults calls, params (string Key, string Value)[] settings) =>
        TestApp.StartAsync(azurite, new Dictionary<string, string?> { ["ChatSend:LocalHost:QueueListeners"] = "false" }
                .Concat(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).ToDictionary(),
            services => services.AddSingleton(new StoragePipelinePolicy(calls)));

    [Fact]
    public async Task ACloudApiCallbackFindsItsSessionByOneIndexReadAndTheSessionsReadAndThenByNone()
    {
        const string appSecret = "the-meta-apps-secret";
        var calls = new StorageFaults();
        await using var app = await StartWithoutListenersAsync(calls, ("ChatSend:Secrets:wa_app_secret", appSecret));
        var phone = "1065" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999);
        var session = new Session("c" + Guid.NewGuid().ToString("N")[..12], "+15550100001", WhatsAppCloudProvider.ProviderName,
            new Dictionary<string, string> { ["phoneNumberId"] = phone }, Enabled: true, new Dictionary<string, string> { ["appSecret"] = "wa_app_secret" });
        // Stored by another instance (or the session command): nothing of it is cached here.
        await using (var elsewhere = new TestServices(azurite))
            await elsewhere.Get<SessionStore>().UpsertAsync(session);

        async Task<List<string>> CallbackAsync()
        {
            var body = FakeCloudApi.StatusPayload(phone, FakeCloudApi.Status("wamid." + Guid.NewGuid().ToString("N"), "read", DateTimeOffset.UtcNow));
            using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/whatsapp-cloud")
            {
                Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
            };
            var signature = System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(appSecret), System.Text.Encoding.UTF8.GetBytes(body));
            request.Headers.Add(WhatsAppCloudCallback.SignatureHeader, "sha256=" + Convert.ToHexStringLower(signature));
            var before = calls.Calls.Count;
            using var response = await app.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return calls.Calls.Skip(before).Select(QueueCalls.Unsharded).ToList();
        }

        // The number's index partition, the session; the status queued for the receipt handler. No look through the sessions.
        Assert.Equal(["GET sessions()", $"GET sessions(PartitionKey='{session.Id}',RowKey='session')", "POST receipts/messages"], await CallbackAsync());
        Assert.Equal(["POST receipts/messages"], await CallbackAsync()); // both reused for the session cache's lifetime
    }

    [Fact]
    public async Task DeliveringToReadMakesAtMostNineStorageCalls()
    {
        var (session, key) = await _app.NewSessionAsync();
        await WaitForAsync(await SendAsync(session.Id, key), MessageStatus.Read); // caches filled, queues warm
        await SettledAsync();

        var before = _calls.Calls.Count;
        var id = await SendAsync(session.Id, key);
        await WaitForAsync(id, MessageStatus.Read);
        var calls = _calls.Calls.Skip(before).Where(c => !IsPoll(c) && !IsSweepHint(c)).ToList();

        // The sandbox stands in for the network: its own record of the send is the network's write, not ChatSend's.
        Assert.Equal(1, calls.RemoveAll(c => c == "POST sandbox"));
        // At most one write is refused and made again after a read: when a receipt at once overtakes the sent write, or
        // when Azurite answered the sent transaction with an ETag a few milliseconds off the one it stored (a quirk of
        // its batches; Azure answers the stored one). Those two calls are not counted against the nine.
        var reads = calls.Count(c => c.StartsWith("GET messages(", StringComparison.Ordinal));
        Assert.True(reads <= 1 && calls.Count - 2 * reads <= 2 + 9,
            $"{calls.Count - 2} calls after the 2 of /send:{Environment.NewLine}{string.Join(Environment.NewLine, calls)}");
    }

    [Fact]
    public async Task DeliveringThroughWahaToReadMakesNineStorageCalls()
    {
        var wahaSession = "w" + Guid.NewGuid().ToString("N")[..10];
        waha.Sessions[wahaSession] = "WORKING";
        var session = new Session("t" + Guid.NewGuid().ToString("N")[..12], "+15550100001", WahaProvider.ProviderName,
            new Dictionary<string, string> { ["baseUrl"] = waha.BaseUrl, ["wahaSession"] = wahaSession, ["maxPerMinute"] = "0", ["minRecipientGapSeconds"] = "0" },
            Enabled: true, SecretNames: new Dictionary<string, string> { ["apiKey"] = "waha_key", ["webhookHmacKey"] = "waha_hmac" });
        await _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session);
        var key = await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session.Id]);
        await SendToReadThroughWahaAsync(session, key, wahaSession); // caches filled, queues warm
        await SettledAsync();

        var before = _calls.Calls.Count;
        await SendToReadThroughWahaAsync(session, key, wahaSession);
        var calls = _calls.Calls.Skip(before).Where(c => !IsPoll(c) && !IsSweepHint(c)).ToList();

        // As the sandbox's 9: WAHA reports by its own id, whose entry rides in the sent transaction (in the message's
        // partition), and this instance, which wrote it, finds the message of each ack without reading it.
        Assert.True(calls.Count <= 2 + 9, $"{calls.Count - 2} calls after the 2 of /send:{Environment.NewLine}{string.Join(Environment.NewLine, calls)}");
        Assert.DoesNotContain(calls, c => c.Contains(StorageNames.ProviderIdsTable, StringComparison.Ordinal));
        Assert.DoesNotContain(calls, c => c.StartsWith("GET messages", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACustomersFileCostsSixStorageCallsFromItsArrivalToItsSettledRow()
    {
        var (session, key) = await _app.NewSessionAsync();
        await ReceiveFileAsync(session.Id, key); // caches filled, queues warm
        await SettledAsync();

        var before = _calls.Calls.Count;
        await ReceiveFileAsync(session.Id, key);
        await SettledAsync();
        var calls = _calls.Calls.Skip(before).Where(c => !IsPoll(c) && !IsSweepHint(c)).ToList();

        // The row, its index rows and marker (one transaction), the job; the file's block and block list; the settling
        // write (row and marker, one transaction under the ETag of the first); the job's delete.
        Assert.True(calls.Count == 6, string.Join(Environment.NewLine, calls));
        Assert.Equal(2, calls.Count(c => c == "POST $batch"));
        Assert.Equal(2, calls.Count(c => c.StartsWith("PUT media/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ACustomersTextCostsFourteenStorageCallsFromItsArrivalToItsWebhookPostInItsTurn()
    {
        var (session, key) = await _app.NewSessionAsync();
        var hook = "h" + Guid.NewGuid().ToString("N")[..10];
        await new WebhookApi(_app, session.Id, key).RegisterAsync(receiver.Url(hook), "chatsend.message.received");
        await ReceiveTextAsync(session.Id, key, hook, 1); // caches filled, the endpoint's cursor for the chat started
        await SettledAsync();

        var before = _calls.Calls.Count;
        await ReceiveTextAsync(session.Id, key, hook, 2);
        await SettledAsync();
        var calls = _calls.Calls.Skip(before).Where(c => !IsPoll(c) && !IsSweepHint(c)).ToList();

        // Arrival: one transaction (the row, its index rows, its place in its chat's order) and the events job. Its turn:
        // the chat's order (one range read), the row, its number given (one transaction), the webhook job, its entry
        // removed, the events job's delete. The post: the endpoint's row (found, its secrets, its health), the attempt
        // logged (the log is trimmed at the first post and every eighth), the endpoint's cursor for the chat moved on (not
        // read: this instance moved it last), the webhook job's delete. The order adds two: the number's transaction and
        // the cursor's write.
        Assert.True(calls.Count == 14, $"{calls.Count}:{Environment.NewLine}{string.Join(Environment.NewLine, calls)}");
        Assert.Equal(3, calls.Count(c => c == "POST $batch"));
    }

    private async Task ReceiveTextAsync(string session, string key, string hook, int count)
    {
        using var request = _app.Request(HttpMethod.Post, $"/sandbox/sessions/{session}/inbound", key, """{"from":"+14155550123","text":"count me"}""");
        using var response = await _app.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.MatchesAsync(() => Task.FromResult(receiver.For(hook).Count), n => n >= count);
    }

    /// <summary>A sandbox customer's 5,000-byte image, waited for until its file is staged.</summary>
    private async Task ReceiveFileAsync(string session, string key)
    {
        using var request = _app.Request(HttpMethod.Post, $"/sandbox/sessions/{session}/inbound", key,
            $$"""{"from":"+14155550123","imageUrl":"{{media.Url("/file/jpeg/5000?type=image/jpeg")}}"}""");
        using var response = await _app.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        MessageId.TryParse((await Json.ReadAsync(response)).Str("id"), out var id);
        var table = azurite.Clients.Table(StorageNames.MessagesTable); // not the app's clients: these reads are not counted
        await Eventually.MatchesAsync(async () => (await table.GetEntityIfExistsAsync<MessageEntity>(id.PartitionKey, id.RowKey)).Value,
            row => row?.MediaBlob is not null);
    }

    private async Task SendToReadThroughWahaAsync(Session session, string key, string wahaSession)
    {
        var id = await SendAsync(session.Id, key);
        var providerId = await WaitForAsync(id, MessageStatus.Sent);
        // WAHA's DEVICE (delivered), then READ, each applied before the next comes, as a phone's acks are seconds apart.
        foreach (var (ack, status) in new[] { (2, MessageStatus.Delivered), (3, MessageStatus.Read) })
        {
            using var response = await waha.PostAckAsync(_app.Http.BaseAddress!, session.Id, wahaSession, providerId!, ack);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await WaitForAsync(id, status);
        }
    }

    // The warm-up message's last receipt is deleted from its queue after its row reads read: let that land first, by
    // waiting until every message the app put on a queue has been deleted from it (handled), so nothing is in flight.
    private Task SettledAsync() =>
        Eventually.MatchesAsync(() => Task.FromResult(_calls.Calls.ToList()), calls =>
            calls.Count(c => c.StartsWith("POST ", StringComparison.Ordinal) && c.EndsWith("/messages", StringComparison.Ordinal))
            == calls.Count(c => c.StartsWith("DELETE ", StringComparison.Ordinal) && c.Contains("/messages/", StringComparison.Ordinal)));

    // The sweeper's hint (SweepIndex) is written once per session and minute on an instance, before the first write in
    // that minute that sets a due time: a cost of the session's minute, not of each message (SweepIndexTests count it).
    private static bool IsSweepHint(string call) => call.StartsWith($"PUT {StorageNames.SweepIndexTable}(", StringComparison.Ordinal);

    private static bool IsPoll(string call) => call.StartsWith("GET ", StringComparison.Ordinal) && call.EndsWith("/messages", StringComparison.Ordinal);

    private Task<string> SendAsync(string session, string key) => SendAsync(_app, session, key);

    private static async Task<string> SendAsync(TestApp app, string session, string key, string? idempotencyKey = null, string? replyTo = null,
        HttpStatusCode expected = HttpStatusCode.Accepted, string to = "+12025550123", bool ordered = true)
    {
        var quote = (replyTo is null ? "" : $$""","replyTo":"{{replyTo}}" """.TrimEnd()) + (ordered ? "" : ""","ordered":false""");
        using var request = app.Request(HttpMethod.Post, "/send", key, $$"""{"session":"{{session}}","to":"{{to}}","text":"count me"{{quote}}}""");
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await app.Http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
        return expected == HttpStatusCode.Accepted ? (await Json.ReadAsync(response)).Str("id") : "";
    }

    /// <summary>Waits for the status; returns the provider's id for the message.</summary>
    private async Task<string?> WaitForAsync(string id, MessageStatus status)
    {
        MessageId.TryParse(id, out var messageId);
        var table = azurite.Clients.Table(StorageNames.MessagesTable); // not the app's clients: these reads are not counted
        for (var i = 0; i < 200; i++)
        {
            if ((await table.GetEntityIfExistsAsync<MessageEntity>(messageId.PartitionKey, messageId.RowKey)).Value is { } row && row.CurrentStatus == status)
                return row.ProviderMessageId;
            await Task.Delay(50); // polls for the status to come, which it must
        }
        Assert.Fail($"message {id} did not reach {status}");
        return null;
    }
}
