// Chaos run: N sends at concurrency 16 (10 % with media), round-robin to 8 chats, against the local host on Azurite
// (on disk); Azurite is stopped for ~7 s mid-run and started again on the same data; the host is killed -9 mid-drain
// and started again. Then it waits for the drain and the sweeper and checks every message against what its client was
// told, that each chat's messages reached the provider (the sandbox's own log of its calls) in the order they were
// accepted, and that a webhook receiver (verifying every signature, answering 500 to 3 % of requests) got each final
// status's event. Run it with bench/chaos.sh [sends].
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Azure.Data.Tables;
using ChatSend.Chaos;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

var sends = args.Length > 0 ? int.Parse(args[0]) : 2000;
const int Concurrency = 16;
const int Chats = 8;
const string Session = "chaos";
var root = FindRoot();
var work = Path.Combine(root, ".artifacts", "chaos");
if (Directory.Exists(work))
    Directory.Delete(work, recursive: true);
Directory.CreateDirectory(work);

var media = await StartMediaServerAsync();
await using var receiver = await WebhookReceiver.StartAsync();
var processes = new Processes(root, work);
try
{
    await processes.StartAzuriteAsync();
    await processes.AdminAsync("init");
    await processes.AdminAsync("session", Session, "--sender", "+442079460958", "--provider", "sandbox");
    var key = (await processes.AdminAsync("key", "create", "--sessions", Session)).Split('\n')[^1].Trim();
    var webhook = await processes.AdminAsync("webhook", "add", Session, "--url", receiver.Url);
    receiver.Secret = System.Text.Json.JsonDocument.Parse(webhook).RootElement.GetProperty("secret").GetString()!;
    await processes.StartHostAsync();
    Console.WriteLine($"queue shards: {Environment.GetEnvironmentVariable("ChatSend__Queues__Shards") ?? "1"} (ChatSend__Queues__Shards)");

    using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{processes.HttpPort}/"), Timeout = TimeSpan.FromSeconds(20) };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    var answers = new ConcurrentDictionary<int, Answer>();
    var done = 0;
    var clock = Stopwatch.StartNew();

    var outage = Task.Run(async () =>
    {
        while (Volatile.Read(ref done) < sends * 3 / 10)
            await Task.Delay(20);
        Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] stopping Azurite for 7 s at send {done}");
        await processes.StopAzuriteAsync();
        await Task.Delay(TimeSpan.FromSeconds(7));
        await processes.StartAzuriteAsync();
        Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] Azurite back");
    });
    using var gate = new SemaphoreSlim(Concurrency);
    await Task.WhenAll(Enumerable.Range(0, sends).Select(async i =>
    {
        await gate.WaitAsync();
        try
        {
            answers[i] = await SendAsync(http, i, i % 10 == 0 ? media : null);
        }
        finally
        {
            Interlocked.Increment(ref done);
            gate.Release();
        }
    }));
    await outage;
    Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {sends} sends answered; killing the host (-9) mid-drain");
    await processes.KillHostAsync();
    await Task.Delay(TimeSpan.FromSeconds(2));
    await processes.StartHostAsync();
    Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] host back; waiting for the drain and the sweeper");

    var storage = new StorageClients(Options.Create(new StorageOptions { ConnectionString = processes.Connection }));
    var rows = await DrainAsync(storage, sends, clock);
    await EventsSettleAsync(storage, receiver, clock);
    var exitCode = await ReportAsync(storage, processes, answers, rows, receiver, sends, clock.Elapsed);
    return exitCode;
}
finally
{
    await processes.StopAllAsync();
}

// Message i goes to chat i % Chats, round-robin.
static string ChatOf(int i) => $"+1202555012{i % Chats}";

// One client: a fresh Idempotency-Key per message; no answer is retried with the same key, as the contract allows. The
// answer comes with when the first try was posted and when the last one was answered (Stopwatch timestamps).
static async Task<Answer> SendAsync(HttpClient http, int i, string? mediaUrl)
{
    var body = mediaUrl is null
        ? $$"""{"session":"{{Session}}","to":"{{ChatOf(i)}}","text":"chaos {{i}}"}"""
        : $$"""{"session":"{{Session}}","to":"{{ChatOf(i)}}","text":"chaos {{i}}","imageUrl":"{{mediaUrl}}"}""";
    var posted = Stopwatch.GetTimestamp();
    for (var attempt = 0; ; attempt++)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "send") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", $"chaos-{i}");
            using var response = await http.SendAsync(request);
            var status = (int)response.StatusCode;
            if (status == 409 && attempt < 10) // the first try is still running
            {
                await Task.Delay(1000);
                continue;
            }
            return new Answer(status.ToString(), posted, Stopwatch.GetTimestamp());
        }
        catch (Exception) when (attempt < 5)
        {
            await Task.Delay(2000);
        }
        catch (Exception)
        {
            return new Answer("no answer", posted, Stopwatch.GetTimestamp());
        }
    }
}

static async Task<Dictionary<string, MessageEntity>> DrainAsync(StorageClients storage, int sends, Stopwatch clock)
{
    var table = storage.Table(StorageNames.MessagesTable);
    // Each of the 8 chats drains one message at a time (the order within a chat), through a restarted host whose dead
    // claims wait out their lease: on a loaded 2-core machine that can take more than the 5 minutes an unordered run needed.
    var deadline = clock.Elapsed + TimeSpan.FromMinutes(12);
    while (true)
    {
        var rows = new Dictionary<string, MessageEntity>();
        try
        {
            await foreach (var row in table.QueryAsync<MessageEntity>(MessageRowKeys.Messages.Filter(Session)))
                rows[row.Text ?? row.Id] = row;
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            await Task.Delay(1000);
            continue;
        }
        var open = rows.Values.Count(m => !IsFinal(m) || m.HasMarker);
        if (open == 0 || clock.Elapsed > deadline)
        {
            Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] drained: {rows.Count} rows, {open} still open");
            return rows;
        }
        await Task.Delay(2000);
    }
}

// Until no outbox entry is left and every shard of the webhook queue is empty (retries after a 500 wait seconds), or 3
// minutes. The host runs with as many shards as ChatSend__Queues__Shards says; init created the queues of all of them.
static async Task EventsSettleAsync(StorageClients storage, WebhookReceiver receiver, Stopwatch clock)
{
    var table = storage.Table(StorageNames.MessagesTable);
    var shards = Enumerable.Range(0, StorageNames.MaxQueueShards).Select(k => storage.Queue(StorageNames.Shard(StorageNames.WebhookDeliveriesQueue, k))).ToList();
    var deadline = clock.Elapsed + TimeSpan.FromMinutes(3);
    while (clock.Elapsed < deadline)
    {
        var outbox = await table.QueryAsync<TableEntity>(MessageRowKeys.Outbox.Filter(Session), select: ["RowKey"]).CountAsync();
        var queued = 0;
        foreach (var shard in shards)
            queued += (await shard.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        if (outbox == 0 && queued == 0)
            break;
        await Task.Delay(2000);
    }
    Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] events settled: {receiver.Accepted.Count} event ids at the receiver");
}

static bool IsFinal(MessageEntity m) => m.CurrentStatus is MessageStatus.Read or MessageStatus.Failed or MessageStatus.Canceled;

static async Task<int> ReportAsync(StorageClients storage, Processes processes, IReadOnlyDictionary<int, Answer> answers,
    Dictionary<string, MessageEntity> rows, WebhookReceiver receiver, int sends, TimeSpan elapsed)
{
    // The sandbox's own log: one row per call it took (partition: the message id), stamped when it took it.
    var calls = new Dictionary<string, int>();
    var firstCall = new Dictionary<string, DateTimeOffset>();
    await foreach (var call in storage.Table(StorageNames.SandboxTable).QueryAsync<TableEntity>(select: ["PartitionKey", "SentAt"]))
    {
        calls[call.PartitionKey] = calls.GetValueOrDefault(call.PartitionKey) + 1;
        if (call.GetDateTimeOffset("SentAt") is { } at && (!firstCall.TryGetValue(call.PartitionKey, out var first) || at < first))
            firstCall[call.PartitionKey] = at;
    }
    var blobs = new List<string>();
    await foreach (var blob in storage.Blobs.GetBlobContainerClient(StorageNames.MediaContainer).GetBlobsAsync())
        blobs.Add(blob.Name);
    var warnings = processes.HostLogs.SelectMany(File.ReadLines).Where(l => l.Contains("may get it twice")).ToList();

    MessageEntity? RowOf(int i) => rows.GetValueOrDefault($"chaos {i}");
    var accepted = answers.Where(a => a.Value.Status == "202").Select(a => a.Key).ToList();
    var lost = accepted.Count(i => RowOf(i) is not { } m || !IsFinal(m) || (m.CurrentStatus == MessageStatus.Failed && string.IsNullOrEmpty(m.FailureReason)));
    var refusedThenSent = answers.Where(a => a.Value.Status == "503").Count(a => RowOf(a.Key) is { } m && m.CurrentStatus is not (MessageStatus.Failed or MessageStatus.Canceled));
    var stuck = rows.Values.Count(m => !IsFinal(m));
    var noWayForward = rows.Values.Count(m => !IsFinal(m) && !m.HasMarker);
    var duplicates = calls.Where(c => c.Value > 1).Select(c => c.Key).ToList();
    var duplicatesLogged = duplicates.Count(id => warnings.Any(l => l.Contains(id)));
    var orphans = blobs.Count(b => !MediaStager.TryParseBlobName(b, out var id) || !rows.Values.Any(m => m.Id == id.Value));
    // Events: every accepted message's final status arrived (as its one stable id); repeats are redeliveries of that id.
    var finalEvents = accepted.Select(RowOf).OfType<MessageEntity>().Select(m => $"{m.Id}:{m.Status}").ToList();
    var eventsMissing = finalEvents.Count(id => !receiver.Accepted.ContainsKey(id));
    var redelivered = receiver.Accepted.Count(e => e.Value > 1);
    var strangers = receiver.Accepted.Keys.Count(id => !rows.ContainsKey(id) && !rows.Values.Any(m => id.StartsWith(m.Id + ":", StringComparison.Ordinal)));
    // Order: within each chat, every two accepted messages A and B where A's 202 came back before B was first posted,
    // both taken by the provider: B's first call came after A's. Each pair that came the other way round is a violation.
    var reached = accepted.Where(i => RowOf(i) is { } m && firstCall.ContainsKey(m.Id))
        .Select(i => (Chat: ChatOf(i), Answer: answers[i], At: firstCall[RowOf(i)!.Id])).ToList();
    var ordered = reached.GroupBy(m => m.Chat).Sum(chat =>
        (from a in chat from b in chat where a.Answer.Answered < b.Answer.Posted select (a, b)).Count());
    var violations = reached.GroupBy(m => m.Chat).Sum(chat =>
        (from a in chat from b in chat where a.Answer.Answered < b.Answer.Posted && b.At < a.At select (a, b)).Count());

    Console.WriteLine();
    Console.WriteLine($"| {sends} sends, concurrency {Concurrency}, 10 % media, {Chats} chats; Azurite down ~7 s mid-run; host killed -9 mid-drain | |");
    Console.WriteLine("|---|---|");
    foreach (var group in answers.GroupBy(a => a.Value.Status).OrderBy(g => g.Key))
        Console.WriteLine($"| answered {group.Key} | {group.Count()} |");
    foreach (var group in rows.Values.GroupBy(m => m.Status).OrderBy(g => g.Key))
        Console.WriteLine($"| final status {group.Key} | {group.Count()} |");
    foreach (var group in rows.Values.Where(m => m.FailureReason is not null).GroupBy(m => m.FailureReason))
        Console.WriteLine($"| failed: {group.Key} | {group.Count()} |");
    foreach (var group in calls.Values.GroupBy(n => n).OrderBy(g => g.Key))
        Console.WriteLine($"| messages the provider got {group.Key}× | {group.Count()} |");
    Console.WriteLine($"| lost (202, not read or failed with a reason) | {lost} |");
    Console.WriteLine($"| answered 503, then sent | {refusedThenSent} |");
    Console.WriteLine($"| stuck (not final) | {stuck} |");
    Console.WriteLine($"| rows without a way forward | {noWayForward} |");
    Console.WriteLine($"| duplicates (provider got it twice), of which logged | {duplicates.Count}, {duplicatesLogged} |");
    Console.WriteLine($"| orphan media blobs | {orphans} |");
    Console.WriteLine($"| order: pairs of a chat's messages, one 202'd before the other was posted, both at the provider | {ordered} |");
    Console.WriteLine($"| order violations (of those pairs, the provider got the later one first) | {violations} |");
    Console.WriteLine($"| webhook: event ids received, of which redelivered (same id again) | {receiver.Accepted.Count}, {redelivered} |");
    Console.WriteLine($"| webhook: accepted messages whose final status's event is missing | {eventsMissing} |");
    Console.WriteLine($"| webhook: events for no message, bad signatures, answered 500 on purpose | {strangers}, {receiver.BadSignatures}, {receiver.Refused} |");
    Console.WriteLine($"| run time | {elapsed:mm\\:ss} |");

    var ok = lost == 0 && refusedThenSent == 0 && stuck == 0 && noWayForward == 0 && orphans == 0 && duplicatesLogged == duplicates.Count
        && eventsMissing == 0 && strangers == 0 && receiver.BadSignatures == 0 && violations == 0;
    Console.WriteLine(ok ? "chaos: all requirements held" : "chaos: REQUIREMENTS FAILED");
    return ok ? 0 : 1;
}

static async Task<string> StartMediaServerAsync()
{
    var photo = new byte[50_000];
    new Random(7).NextBytes(photo);
    new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }.CopyTo(photo, 0);
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
    var app = builder.Build();
    app.MapGet("/photo.jpg", () => Results.Bytes(photo, "image/jpeg"));
    await app.StartAsync();
    return new Uri(new Uri(app.Urls.First()), "/photo.jpg").ToString();
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "ChatSend.sln")))
            return dir.FullName;
    throw new InvalidOperationException("ChatSend.sln not found above " + AppContext.BaseDirectory);
}

/// <summary>What the client was told of a send (a status, or "no answer"), when it was first posted and when that answer came (Stopwatch timestamps).</summary>
internal sealed record Answer(string Status, long Posted, long Answered);
