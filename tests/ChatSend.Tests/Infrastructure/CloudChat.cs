using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ChatSend.Auth;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// A message sent with <c>POST /send</c>: its id and text, the answer, and when (<see cref="Stopwatch"/> timestamps) its
/// POST started and its 202 came back, which is when ChatSend accepted it.
/// </summary>
public sealed record Sent(string Id, string Text, long PostStarted, long Accepted, JsonElement Answer);

/// <summary>
/// One chat of a session on <see cref="FakeCloudApi"/>: a recipient of its own, so the fake's log of that recipient is this
/// chat's alone. The session has pacing off unless told otherwise, and its 24-hour window off (the customers never wrote).
/// Sends go over HTTP to whichever host a test names; what the fake saw of each message is found by its text.
/// </summary>
public sealed class CloudChat
{
    /// <summary>The secret the sessions name for their access token; each host configures its value.</summary>
    public const string TokenSecret = "cloud_token";

    private static int _recipients = Random.Shared.Next(0, 10000);
    private readonly FakeCloudApi _cloud;

    private CloudChat(FakeCloudApi cloud, Session session, string key)
    {
        _cloud = cloud;
        (Session, Key) = (session, key);
        Digits = "1202555" + (Interlocked.Increment(ref _recipients) % 10000).ToString("D4");
    }

    public Session Session { get; }

    public string Key { get; }

    /// <summary>The recipient as the Cloud API takes it (digits), which keys the fake's log and scripts.</summary>
    public string Digits { get; }

    public string To => "+" + Digits;

    /// <summary>A chat of a new session (stored through <paramref name="services"/>) with a key for that session alone.</summary>
    public static async Task<CloudChat> NewAsync(IServiceProvider services, FakeCloudApi cloud, IDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>
        {
            ["phoneNumberId"] = cloud.NewPhoneNumberId(),
            ["baseUrl"] = cloud.BaseUrl,
            ["windowPolicy"] = "off",
            ["maxPerMinute"] = "0",
            ["minRecipientGapSeconds"] = "0",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
            all[name] = value;
        var session = new Session("o" + Guid.NewGuid().ToString("N")[..12], "+15550100001", WhatsAppCloudProvider.ProviderName, all,
            Enabled: true, new Dictionary<string, string> { ["accessToken"] = TokenSecret }) { Partitions = TestSessions.Partitions };
        await services.GetRequiredService<SessionStore>().UpsertAsync(session);
        return new CloudChat(cloud, session, await services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session.Id]));
    }

    /// <summary>Another chat of the same session: another recipient.</summary>
    public CloudChat Other() => new(_cloud, Session, Key);

    /// <summary>Sends <paramref name="text"/> to this chat through <paramref name="http"/>, with <paramref name="more"/> fields (<c>,"ordered":false</c>).</summary>
    public async Task<Sent> SendAsync(HttpClient http, string text, string? more = null)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/send")
        {
            Content = new StringContent($$"""{"session":"{{Session.Id}}","to":"{{To}}","text":"{{text}}"{{more}}}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
        using var response = await http.SendAsync(request);
        var accepted = Stopwatch.GetTimestamp();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{text}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var answer = await Json.ReadAsync(response);
        return new Sent(answer.Str("id"), text, started, accepted, answer);
    }

    /// <summary>Every send request to this chat the fake answered (or was left by its caller), in the order they came in.</summary>
    public IReadOnlyList<FakeCloudApi.Exchange> Exchanges => _cloud.ExchangesWith(Digits);

    /// <summary>The requests for the message with this text, in the order they came in.</summary>
    public IReadOnlyList<FakeCloudApi.Exchange> RequestsFor(string text) => [.. Exchanges.Where(e => e.Text == text)];

    /// <summary>The first request for the message with this text.</summary>
    public FakeCloudApi.Exchange FirstRequest(string text) =>
        RequestsFor(text).FirstOrDefault() ?? throw new Xunit.Sdk.XunitException($"'{text}' never reached the provider");

    /// <summary>Waits until the provider has answered a request for the message with this text with success; that request.</summary>
    public Task<FakeCloudApi.Exchange> SucceededAsync(string text, TimeSpan? within = null) =>
        Eventually.MatchesAsync(() => Task.FromResult(RequestsFor(text).FirstOrDefault(e => e.Succeeded)), e => e is not null,
            within ?? TimeSpan.FromSeconds(60))!;

    /// <summary>Completes as soon as a request for the message with this text comes in at the provider (it is then in flight).</summary>
    public Task<FakeCloudApi.Arrival> ArrivalAsync(string text) => _cloud.ArrivalAsync(a => a.To == Digits && a.Text == text);
}
