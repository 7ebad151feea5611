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
    private readonly TwoInstances _instances = new(azurite);
    private FakeTimeProvider Clock => _instances.Clock;
    private TestServices Here => _instances.Here;
    private TestServices Elsewhere => _instances.Elsewhere;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _instances.DisposeAsync();

    [Fact]
    public async Task RevokedKeyStopsWorkingOnEveryInstanceWithinTheCacheLifetime()
    {
        var (session, key) = await Here.NewSessionAsync();
        Assert.Equal(202, (await SendAsync(Elsewhere, key, session.Id)).Status);
        Assert.Equal(202, (await SendAsync(Here, key, session.Id)).Status);

        ApiKey.TryParse(key, out var keyId);
        Assert.True(await Here.Get<ApiKeyStore>().RevokeAsync(keyId));

        Assert.Equal(401, (await SendAsync(Here, key, session.Id)).Status); // the instance that revoked it: at once
        Clock.Advance(Lifetime - TimeSpan.FromSeconds(1));
        Assert.Equal(202, (await SendAsync(Elsewhere, key, session.Id)).Status); // the documented delay
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(401, (await SendAsync(Elsewhere, key, session.Id)).Status);
    }

    [Fact]
    public async Task CachedKeyStillChecksTheSecretOnEveryRequest()
    {
        var (session, key) = await Here.NewSessionAsync();
        Assert.Equal(202, (await SendAsync(Here, key, session.Id)).Status);

        var wrongSecret = key[..^1] + (key[^1] == 'a' ? 'b' : 'a');
        Assert.Equal(401, (await SendAsync(Here, wrongSecret, session.Id)).Status);
        Assert.Equal(202, (await SendAsync(Here, key, session.Id)).Status);
    }

    [Fact]
    public async Task DisabledSessionIsRefusedOnEveryInstanceWithinTheCacheLifetime()
    {
        var (session, key) = await Here.NewSessionAsync();
        Assert.Equal(202, (await SendAsync(Elsewhere, key, session.Id)).Status);

        await Here.Get<SessionStore>().UpsertAsync(session with { Enabled = false });

        Assert.Equal(409, (await SendAsync(Here, key, session.Id)).Status);
        Clock.Advance(Lifetime - TimeSpan.FromSeconds(1));
        Assert.Equal(202, (await SendAsync(Elsewhere, key, session.Id)).Status);
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(409, (await SendAsync(Elsewhere, key, session.Id)).Status);
    }

    [Fact]
    public async Task SessionCreatedElsewhereWorksAtOnce()
    {
        var key = await Here.Get<ApiKeyStore>().CreateAsync("all", ["*"]);
        var id = $"cache-{Guid.NewGuid():N}"[..30];
        Assert.Equal(404, (await SendAsync(Elsewhere, key, id)).Status);

        await Here.Get<SessionStore>().UpsertAsync(new Session(id, "+442079460958", ScriptedProvider.ProviderName, new Dictionary<string, string>(), Enabled: true));

        Assert.Equal(202, (await SendAsync(Elsewhere, key, id)).Status); // a miss is never kept
    }

    [Fact]
    public async Task ZeroLifetimeReadsTheKeyOnEveryRequest()
    {
        await using var uncached = new TestServices(azurite.ConnectionString,
            new Dictionary<string, string?> { ["ChatSend:Cache:ApiKeys"] = "00:00:00" }, Clock);
        var (session, key) = await Here.NewSessionAsync();
        Assert.Equal(202, (await SendAsync(uncached, key, session.Id)).Status);

        ApiKey.TryParse(key, out var keyId);
        await Here.Get<ApiKeyStore>().RevokeAsync(keyId);

        Assert.Equal(401, (await SendAsync(uncached, key, session.Id)).Status);
    }

    private static async Task<(int Status, string? Id)> SendAsync(TestServices services, string key, string session)
    {
        var (status, message, _) = await services.SendAsync(key, $$"""{"session":"{{session}}","to":"+12025550123","text":"hi"}""");
        return (status, message?.Id);
    }
}
