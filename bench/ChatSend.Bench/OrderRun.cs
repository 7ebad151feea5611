using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Bench;

/// <summary>
/// What keeping the order within a chat costs. Messages are accepted through <c>POST /send</c> over HTTP (a host with its
/// queue listeners off, 16 at once), round-robin over <see cref="RunSpec.Chats"/> chats of one session, with the order
/// kept (the default) or <c>"ordered": false</c> on every send; then the local host's listeners drain them to <c>sent</c>
/// through a provider answering after <see cref="RunSpec.ProviderDelayMs"/>. Timed from the provider's
/// <see cref="RunSpec.Warmup"/>th answer to its last. Over many chats both should drain about as fast; in one chat the
/// order lets one message at a time to the provider, so the rate stays under 1/latency.
/// </summary>
internal static class OrderRun
{
    public const string Ordered = "ordered";
    public const string Unordered = "unordered";

    private const int Senders = 16;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    public static async Task<RunResult> RunAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter)
    {
        var total = spec.Warmup + spec.Count;
        var session = await AcceptAsync(spec, azurite, counter, total);
        await using var app = BenchHost.CreateHost(azurite, counter, listeners: true, spec.ProviderDelayMs);
        var provider = app.Services.GetServices<IChannelProvider>().OfType<FakeProvider>().Single();
        await app.StartAsync();
        await provider.WaitForAnswersAsync(spec.Warmup, Timeout);
        var result = await Measure.RunAsync(spec, counter, async () =>
        {
            await provider.WaitForAnswersAsync(total, Timeout);
            return null;
        });
        await app.StopAsync();
        await BenchHost.CheckAllAsync(app.Services, session, total, MessageStatus.Sent);
        return result;
    }

    /// <summary>The chat of message <paramref name="i"/>: one of <paramref name="chats"/> numbers, round-robin.</summary>
    public static string ChatOf(int i, int chats) => $"+1202555{1000 + i % chats}";

    // Through the same POST /send a client uses, so whatever keeping the order costs when a message is accepted counts too
    // (that part is not timed here: the send part times POST /send).
    private static async Task<Session> AcceptAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter, int total)
    {
        await using var front = BenchHost.CreateHost(azurite, counter, listeners: false);
        var session = await BenchHost.CreateSessionAsync(front.Services, FakeProvider.ProviderName);
        var key = await BenchHost.CreateKeyAsync(front.Services, session);
        await front.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(front.Urls.First()) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var ordered = spec.Side == Unordered ? ""","ordered":false""" : "";
        await Measure.LoadAsync(total, Senders, async i =>
        {
            var body = $$"""{"session":"{{session.Id}}","to":"{{ChatOf(i, spec.Chats)}}","text":"bench message {{i:00000}}"{{ordered}}}""";
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync("send", content);
            if (response.StatusCode != HttpStatusCode.Accepted)
                throw new InvalidOperationException($"POST /send answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        });
        await front.StopAsync();
        return session;
    }
}
