using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ChatSend.Events;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Sessions;
using ChatSend.Storage;
using ChatSend.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Bench;

/// <summary>
/// What a realistic mix costs in storage, for the capacity model. One local host (listeners on, markers due a minute on
/// as deployed) with one sandbox session: it answers at once and reports <c>delivered</c> after 1 s and <c>read</c> after
/// 2 s (its defaults). <see cref="RunSpec.Count"/> sends are posted at <see cref="RunSpec.Rate"/> a second over
/// <see cref="RunSpec.Chats"/> chats, each with its own <c>Idempotency-Key</c> as the .NET client sends them, the order
/// within each chat kept (the default): <see cref="MediaPercent"/> % with a small image from a server on 127.0.0.1, the
/// rest text; after every tenth, the customer of that chat writes a text message through the sandbox's inbound route.
/// Three sides: no webhook; a webhook endpoint on 127.0.0.1 following every event of the session; and that with the
/// session paced at the Cloud API's default (<see cref="PacedPerMinute"/>, which the run stays well under, so the pacing
/// row is taken as a real number's is). Counted from the host's start until every message is final, every queue empty
/// (with a webhook, every event at the endpoint) and the host stopped: each call in the app's pipeline by where it lands
/// (<see cref="CallLedger"/>), and each request in the emulator's log.
/// </summary>
internal static class CapacityRun
{
    public const string Plain = "no webhook";
    public const string Followed = "webhook";
    public const string Paced = "webhook, paced";
    public static readonly string[] Sides = [Plain, Followed, Paced];

    public const int MediaPercent = 30;
    public const int InboundPercent = 10;
    public const int ImageBytes = 64 * 1024;
    public const int PacedPerMinute = 4800;

    /// <summary>Sends (and customers' messages) posted at once at most, to keep the rate when one is slow.</summary>
    public const int Senders = 8;

    public const string EmulatorRequests = "emulator requests";
    public const string ProviderDownloads = "emulator requests by SAS";
    public const string BenchRequests = "benchmark's requests";
    public const string Events = "events";
    public const string MediaSends = "media sends";
    public const string Inbound = "inbound";

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    // As deployed: markers and outbox entries fall due a minute on (the other parts push that out of their run).
    private static readonly Dictionary<string, string?> Settings = new() { ["ChatSend:Delivery:SweepAfter"] = "00:01:00" };

    public static async Task<RunResult> RunAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter)
    {
        await using var media = await MediaRun.StartMediaServerAsync(Image());
        var imageUrl = new Uri(new Uri(media.Urls.First()), "/photo.jpg");
        await using var receiver = await WebhookReceiver.StartAsync();
        var ledger = new CallLedger(azurite);
        await using var app = BenchHost.CreateHost(azurite, counter, listeners: true, settings: Settings,
            services: services => services.AddSingleton(new StoragePipelinePolicy(ledger)));
        var session = await BenchHost.CreateSessionAsync(app.Services, SandboxProvider.ProviderName,
            spec.Side == Paced ? new() { ["maxPerMinute"] = $"{PacedPerMinute}" } : null);
        var key = await BenchHost.CreateKeyAsync(app.Services, session);
        if (spec.Side != Plain)
            receiver.Secret = (await app.Services.GetRequiredService<WebhookStore>().CreateAsync(session.Id, new Uri(receiver.Url), MessageEvents.AllTypes)
                               ?? throw new InvalidOperationException("the webhook was not registered")).Secret;
        var (sends, inbound) = (spec.Count, spec.Count * InboundPercent / 100);
        var watch = new CapacityWatch(azurite);

        await azurite.WaitForLogAsync(); // the setup's requests all in the log before it is reset
        ledger.Reset();
        azurite.ResetRequests();
        var result = await Measure.RunAsync(spec, counter, async () =>
        {
            await app.StartAsync();
            await PostAsync(app, spec, session, key, imageUrl);
            await watch.WaitForFinalAsync(session.Id, sends, inbound, Timeout);
            if (spec.Side != Plain)
            {
                await receiver.WaitForEventsAsync(MessageStatus.Read.ToWire(), sends, Timeout);
                await receiver.WaitForEventsAsync(MessageStatus.Received.ToWire(), inbound, Timeout);
            }
            await watch.WaitForEmptyQueuesAsync(Timeout);
            await app.StopAsync();
            await azurite.WaitForLogAsync();
            return null;
        });
        if (spec.Side != Plain)
            await watch.CheckEventsAsync(session.Id, receiver);
        var counts = ledger.Snapshot();
        counts[EmulatorRequests] = azurite.Requests;
        counts[BenchRequests] = watch.Requests;
        counts[ProviderDownloads] = azurite.SasRequests;
        counts[Events] = receiver.EventIds.Count;
        counts[MediaSends] = Enumerable.Range(0, sends).Count(IsMedia);
        counts[Inbound] = inbound;
        return result with { Counts = counts };
    }

    public static bool IsMedia(int i) => i % 10 is 2 or 5 or 8;

    public static bool IsFollowedByCustomer(int i) => i % (100 / InboundPercent) == 100 / InboundPercent - 1;

    // Send i is due i / rate seconds after the first; a customer's message follows every tenth, from the same chat.
    private static async Task PostAsync(WebApplication app, RunSpec spec, Session session, string key, Uri imageUrl)
    {
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var start = DateTime.UtcNow;
        await Measure.LoadAsync(spec.Count, spec.Concurrency, async i =>
        {
            var due = start + TimeSpan.FromSeconds((double)i / spec.Rate) - DateTime.UtcNow;
            if (due > TimeSpan.Zero)
                await Task.Delay(due);
            var chat = OrderRun.ChatOf(i, spec.Chats);
            var content = IsMedia(i) ? $"\"imageUrl\":\"{imageUrl}\",\"text\":\"photo {i:00000}\"" : $"\"text\":\"bench message {i:00000}\"";
            await PostAsync(http, "send", $$"""{"session":"{{session.Id}}","to":"{{chat}}",{{content}}}""", Guid.NewGuid().ToString());
            if (IsFollowedByCustomer(i))
                await PostAsync(http, $"sandbox/sessions/{session.Id}/inbound", $$"""{"from":"{{chat}}","text":"thanks, got {{i:00000}}"}""", null);
        });
    }

    // A 503 kept nothing: tried again after its Retry-After (or a second), with the same Idempotency-Key, as a client does.
    private static async Task PostAsync(HttpClient http, string path, string body, string? idempotencyKey)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            if (idempotencyKey is not null)
                request.Headers.Add("Idempotency-Key", idempotencyKey);
            using var response = await http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.Accepted)
                return;
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 5)
                throw new InvalidOperationException($"POST /{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
        }
    }

    // A JPEG's first bytes, then noise.
    private static byte[] Image()
    {
        var image = new byte[ImageBytes];
        new Random(42).NextBytes(image);
        new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }.CopyTo(image, 0);
        return image;
    }
}
