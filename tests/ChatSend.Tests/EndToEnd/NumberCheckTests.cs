using System.Diagnostics;
using System.Text.Json.Nodes;
using ChatSend.Providers;
using ChatSend.Providers.Evolution;
using ChatSend.Providers.Waha;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// The number check (<see cref="INumberCheck"/>, the <c>onWhatsApp</c> of <c>GET /sessions/{session}/chats/{chat}</c>)
/// through the app's own registration over Azurite: WAHA's <c>GET /api/contacts/check-exists</c> and Evolution's
/// <c>POST /chat/whatsappNumbers/{instance}</c> answer yes or no, each asked as documented; providers without a check and
/// groups are unknown without a call; an answer is kept, so a second check asks the provider nothing; a provider that
/// fails or does not answer in time is unknown, logged with the number masked, never an exception.
/// </summary>
public sealed class NumberCheckTests(Azurite azurite, FakeCloudApi cloud, FakeWaha waha, EvolutionServer evolution)
    : IClassFixture<Azurite>, IClassFixture<FakeCloudApi>, IClassFixture<FakeWaha>, IClassFixture<EvolutionServer>, IAsyncLifetime
{
    private const string Group = "120363012345678901@g.us";

    /// <summary>A number the fakes say has no WhatsApp account (theirs end 0000).</summary>
    private const string NotOnWhatsApp = "+12025550000";

    private TestApp _app = null!;
    private ProviderSessions _sessions = null!;

    public async Task InitializeAsync()
    {
        var settings = ProviderSessions.Secrets(cloud);
        settings["ChatSend:NumberCheck:Timeout"] = "00:00:03"; // well above a loaded machine's answer, well below the fake's 30 s
        settings["ChatSend:Secrets:wrong_key"] = "not-the-key";
        _app = await TestApp.StartAsync(azurite, settings);
        _sessions = new ProviderSessions(_app, cloud, waha, evolution);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private INumberCheck Check => _app.Services.GetRequiredService<INumberCheck>();

    public static TheoryData<string> WithACheck => new(WahaProvider.ProviderName, EvolutionProvider.ProviderName);

    public static TheoryData<string> WithoutACheck => new(SandboxProvider.ProviderName, WhatsAppCloudProvider.ProviderName);

    [Theory]
    [MemberData(nameof(WithACheck))]
    public async Task ANumberIsOnWhatsAppOrNotAsTheProviderAnswers(string provider)
    {
        Assert.NotNull(Recipient.Parse(NotOnWhatsApp)); // a valid number, only without WhatsApp
        var (session, _) = await _sessions.NewAsync(provider);

        Assert.True(await Check.IsOnWhatsAppAsync(session, ProviderSessions.Customer, CancellationToken.None));
        Assert.False(await Check.IsOnWhatsAppAsync(session, NotOnWhatsApp, CancellationToken.None));
        // A chat given as a JID is the same number.
        Assert.True(await Check.IsOnWhatsAppAsync(session, "12025550123@s.whatsapp.net", CancellationToken.None));

        Assert.Equal(["12025550123", "12025550000"], Asked(provider, session));
    }

    [Theory]
    [MemberData(nameof(WithACheck))]
    public async Task EachProviderIsAskedAsItDocumentsTheCheck(string provider)
    {
        var (session, _) = await _sessions.NewAsync(provider);

        await Check.IsOnWhatsAppAsync(session, ProviderSessions.Customer, CancellationToken.None);

        if (provider == WahaProvider.ProviderName)
        {
            // ?phone=<digits>&session=<WAHA's session name>, with the X-Api-Key the fake checked.
            var (_, phone) = Assert.Single(waha.NumberChecks, c => c.Session == session.Setting("wahaSession"));
            Assert.Equal("12025550123", phone);
        }
        else
        {
            var (_, body) = Assert.Single(evolution.NumberChecks, c => c.Instance == session.Setting("instance"));
            Assert.Equal("""{"numbers":["12025550123"]}""", body.ToJsonString());
        }
    }

    [Theory]
    [MemberData(nameof(WithoutACheck))]
    public async Task AProviderWithoutACheckAnswersUnknown(string provider)
    {
        var (session, _) = await _sessions.NewAsync(provider);

        Assert.Null(await Check.IsOnWhatsAppAsync(session, ProviderSessions.Customer, CancellationToken.None));
        Assert.False(_app.Services.GetRequiredService<ChannelProviders>().Find(provider)!.Capabilities.NumberCheck);
    }

    [Theory]
    [MemberData(nameof(WithACheck))]
    public async Task AGroupOrSomethingNotAPhoneNumberIsNotChecked(string provider)
    {
        var (session, _) = await _sessions.NewAsync(provider);

        Assert.Null(await Check.IsOnWhatsAppAsync(session, Group, CancellationToken.None));
        Assert.Null(await Check.IsOnWhatsAppAsync(session, "123456789012345@lid", CancellationToken.None));
        Assert.Null(await Check.IsOnWhatsAppAsync(session, "not a number", CancellationToken.None));

        Assert.Empty(Asked(provider, session));
    }

    [Theory]
    [MemberData(nameof(WithACheck))]
    public async Task ASecondCheckIsAnsweredFromTheCacheWithoutAskingTheProvider(string provider)
    {
        var (session, _) = await _sessions.NewAsync(provider);

        Assert.True(await Check.IsOnWhatsAppAsync(session, ProviderSessions.Customer, CancellationToken.None));
        Assert.True(await Check.IsOnWhatsAppAsync(session, ProviderSessions.Customer, CancellationToken.None));
        Assert.False(await Check.IsOnWhatsAppAsync(session, NotOnWhatsApp, CancellationToken.None));
        Assert.False(await Check.IsOnWhatsAppAsync(session, NotOnWhatsApp, CancellationToken.None));

        Assert.Equal(["12025550123", "12025550000"], Asked(provider, session));
        // Kept per session: another session on the same provider asks for itself.
        var (other, _) = await _sessions.NewAsync(provider);
        Assert.True(await Check.IsOnWhatsAppAsync(other, ProviderSessions.Customer, CancellationToken.None));
        Assert.Single(Asked(provider, other));
    }

    [Theory]
    [MemberData(nameof(WithACheck))]
    public async Task ChecksOfOneNumberAtTheSameMomentAskTheProviderOnce(string provider)
    {
        var (session, _) = await _sessions.NewAsync(provider);
        if (provider == WahaProvider.ProviderName)
            waha.AnswerNext(new FakeWaha.Answer(200, """{"numberExists":true,"chatId":"12025550123@c.us"}""", Delay: TimeSpan.FromMilliseconds(200)));
        else
            evolution.Instances[session.Setting("instance")!].Delay = TimeSpan.FromMilliseconds(200);

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Check.IsOnWhatsAppAsync(session, ProviderSessions.Customer, CancellationToken.None)));

        Assert.All(answers, a => Assert.True(a));
        Assert.Single(Asked(provider, session));
    }

    [Theory]
    [MemberData(nameof(WithACheck))]
    public async Task AProviderFailureIsUnknownAndLoggedWithTheNumberMasked(string provider)
    {
        var (session, _) = await _sessions.NewAsync(provider);
        FailNext(provider, session, 500);

        Assert.Null(await Check.IsOnWhatsAppAsync(session, ProviderSessions.Customer, CancellationToken.None));

        var line = Assert.Single(_app.Logs.Lines, l => l.Contains("Number check", StringComparison.Ordinal) && l.Contains(session.Id, StringComparison.Ordinal));
        Assert.Contains(Recipient.Mask(ProviderSessions.Customer), line);
        Assert.Contains("500", line);
        Assert.DoesNotContain("2025550123", line);
        Assert.DoesNotContain(_app.Logs.Lines, l => l.Contains("2025550123", StringComparison.Ordinal));
        // The unknown is kept briefly too: a provider that is down is not asked on every chat view.
        Assert.Null(await Check.IsOnWhatsAppAsync(session, ProviderSessions.Customer, CancellationToken.None));
        Assert.Single(Asked(provider, session));
    }

    [Theory]
    [MemberData(nameof(WithACheck))]
    public async Task AProviderThatDoesNotAnswerInTimeIsUnknown(string provider)
    {
        var (session, _) = await _sessions.NewAsync(provider);
        if (provider == WahaProvider.ProviderName)
            waha.AnswerNext(new FakeWaha.Answer(200, """{"numberExists":true}""", Delay: TimeSpan.FromSeconds(30)));
        else
            evolution.Instances[session.Setting("instance")!].Delay = TimeSpan.FromSeconds(30);

        var clock = Stopwatch.StartNew();
        Assert.Null(await Check.IsOnWhatsAppAsync(session, NotOnWhatsApp, CancellationToken.None));

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10)); // the check's own timeout (3 s here), not the provider's 30 s
        var line = Assert.Single(_app.Logs.Lines, l => l.Contains("Number check", StringComparison.Ordinal) && l.Contains(session.Id, StringComparison.Ordinal));
        Assert.Contains("no answer within", line);
        Assert.Contains(Recipient.Mask(NotOnWhatsApp), line);
        Assert.DoesNotContain("2025550000", line);
    }

    [Theory]
    [MemberData(nameof(WithACheck))]
    public async Task AnApiKeyTheProviderRefusesIsUnknown(string provider)
    {
        var (session, _) = await _sessions.NewAsync(provider);
        var wrong = session with { SecretNames = new Dictionary<string, string> { ["apiKey"] = "wrong_key" } };

        Assert.Null(await Check.IsOnWhatsAppAsync(wrong, ProviderSessions.Customer, CancellationToken.None));

        var line = Assert.Single(_app.Logs.Lines, l => l.Contains("Number check", StringComparison.Ordinal) && l.Contains(session.Id, StringComparison.Ordinal));
        Assert.Contains("401", line);
        Assert.DoesNotContain("not-the-key", line);
    }

    [Theory]
    [MemberData(nameof(WithACheck))]
    public async Task ASessionWhoseSecretIsNotConfiguredIsUnknown(string provider)
    {
        var (session, _) = await _sessions.NewAsync(provider);
        var unset = session with { SecretNames = new Dictionary<string, string> { ["apiKey"] = "not_configured" } };

        Assert.Null(await Check.IsOnWhatsAppAsync(unset, ProviderSessions.Customer, CancellationToken.None));

        Assert.Single(_app.Logs.Lines, l => l.Contains("Number check", StringComparison.Ordinal) && l.Contains("not_configured", StringComparison.Ordinal));
        Assert.Empty(Asked(provider, session));
    }

    /// <summary>The digits the provider's fake was asked about for this session, in order.</summary>
    private List<string?> Asked(string provider, Session session) => provider == WahaProvider.ProviderName
        ? waha.NumberChecks.Where(c => c.Session == session.Setting("wahaSession")).Select(c => c.Phone).ToList()
        : evolution.NumberChecks.Where(c => c.Instance == session.Setting("instance"))
            .SelectMany(c => ((JsonArray)c.Body["numbers"]!).Select(n => (string?)n!.GetValue<string>())).ToList();

    private void FailNext(string provider, Session session, int status)
    {
        if (provider == WahaProvider.ProviderName)
            waha.AnswerNext(new FakeWaha.Answer(status, """{"statusCode":500,"message":"Internal server error"}"""));
        else
            evolution.Instances[session.Setting("instance")!].FailWith = status;
    }

    [Theory]
    [InlineData(WahaProvider.ProviderName)]
    [InlineData(EvolutionProvider.ProviderName)]
    [InlineData(WhatsAppCloudProvider.ProviderName)]
    public async Task TheChatRouteSaysWhetherTheNumberIsOnWhatsAppWhereTheProviderCanTell(string provider)
    {
        var (session, key) = await _sessions.NewAsync(provider);

        async Task<System.Text.Json.JsonElement> ChatAsync(string chat)
        {
            using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/sessions/{session.Id}/chats/{Uri.EscapeDataString(chat)}", key));
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            return await Json.ReadAsync(response);
        }
        var on = (await ChatAsync(ProviderSessions.Customer)).GetProperty("onWhatsApp");
        var off = (await ChatAsync(NotOnWhatsApp)).GetProperty("onWhatsApp");

        if (provider == WhatsAppCloudProvider.ProviderName)
            Assert.Equal((System.Text.Json.JsonValueKind.Null, System.Text.Json.JsonValueKind.Null), (on.ValueKind, off.ValueKind));
        else
            Assert.Equal((true, false), (on.GetBoolean(), off.GetBoolean()));
    }
}
