using ChatSend.Auth;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>
/// API keys and sessions are reused for ChatSend:Cache:ApiKeys / :Sessions (30 s by default). Two TestServices over one
/// Azurite stand for two instances: one changes a key or session, the other keeps its copy until the lifetime ends.
/// </summary>
public sealed class CacheTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestServices _here = null!;
    private TestServices _elsewhere = null!;

    public Task InitializeAsync()
    {
        _here = new TestServices(azurite.ConnectionString, time: _clock);
        _elsewhere = new TestServices(azurite.ConnectionString, time: _clock);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _here.DisposeAsync();
        await _elsewhere.DisposeAsync();
    }

    [Fact]
    public async Task RevokedKeyStopsWorkingOnEveryInstanceWithinTheCacheLifetime()
    {
        var (session, key) = await _here.NewSessionAsync();
        Assert.Equal(202, (await SendAsync(_elsewhere, key, session.Id)).Status);
        Assert.Equal(202, (await SendAsync(_here, key, session.Id)).Status);

        ApiKey.TryParse(key, out var keyId);
        Assert.True(await _here.Get<ApiKeyStore>().RevokeAsync(keyId));

        Assert.Equal(401, (await SendAsync(_here, key, session.Id)).Status); // the instance that revoked it: at once
        _clock.Advance(Lifetime - TimeSpan.FromSeconds(1));
        Assert.Equal(202, (await SendAsync(_elsewhere, key, session.Id)).Status); // the documented delay
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(401, (await SendAsync(_elsewhere, key, session.Id)).Status);
    }

    [Fact]
    public async Task CachedKeyStillChecksTheSecretOnEveryRequest()
    {
        var (session, key) = await _here.NewSessionAsync();
        Assert.Equal(202, (await SendAsync(_here, key, session.Id)).Status);

        var wrongSecret = key[..^1] + (key[^1] == 'a' ? 'b' : 'a');
        Assert.Equal(401, (await SendAsync(_here, wrongSecret, session.Id)).Status);
        Assert.Equal(202, (await SendAsync(_here, key, session.Id)).Status);
    }

    [Fact]
    public async Task DisabledSessionIsRefusedOnEveryInstanceWithinTheCacheLifetime()
    {
        var (session, key) = await _here.NewSessionAsync();
        Assert.Equal(202, (await SendAsync(_elsewhere, key, session.Id)).Status);

        await _here.Get<SessionStore>().UpsertAsync(session with { Enabled = false });

        Assert.Equal(409, (await SendAsync(_here, key, session.Id)).Status);
        _clock.Advance(Lifetime - TimeSpan.FromSeconds(1));
        Assert.Equal(202, (await SendAsync(_elsewhere, key, session.Id)).Status);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(409, (await SendAsync(_elsewhere, key, session.Id)).Status);
    }

    [Fact]
    public async Task SessionCreatedElsewhereWorksAtOnce()
    {
        var key = await _here.Get<ApiKeyStore>().CreateAsync("all", ["*"]);
        var id = $"cache-{Guid.NewGuid():N}"[..30];
        Assert.Equal(404, (await SendAsync(_elsewhere, key, id)).Status);

        await _here.Get<SessionStore>().UpsertAsync(new Session(id, "+442079460958", ScriptedProvider.ProviderName, new Dictionary<string, string>(), Enabled: true));

        Assert.Equal(202, (await SendAsync(_elsewhere, key, id)).Status); // a miss is never kept
    }

    [Fact]
    public async Task ZeroLifetimeReadsTheKeyOnEveryRequest()
    {
        await using var uncached = new TestServices(azurite.ConnectionString,
            new Dictionary<string, string?> { ["ChatSend:Cache:ApiKeys"] = "00:00:00" }, _clock);
        var (session, key) = await _here.NewSessionAsync();
        Assert.Equal(202, (await SendAsync(uncached, key, session.Id)).Status);

        ApiKey.TryParse(key, out var keyId);
        await _here.Get<ApiKeyStore>().RevokeAsync(keyId);

        Assert.Equal(401, (await SendAsync(uncached, key, session.Id)).Status);
    }

    private static async Task<(int Status, string? Id)> SendAsync(TestServices services, string key, string session)
    {
        var (status, message, _) = await services.SendAsync(key, $$"""{"session":"{{session}}","to":"+12025550123","text":"hi"}""");
        return (status, message?.Id);
    }
}
