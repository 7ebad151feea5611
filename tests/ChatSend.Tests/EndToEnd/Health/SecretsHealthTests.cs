using System.Net;
using ChatSend.Sessions;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd.Health;

/// <summary>
/// <c>/health/ready</c> and the secrets enabled sessions name. Its own Azurite: a session left behind here would make
/// another class's ready check fail.
/// </summary>
public sealed class SecretsHealthTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, StorageHealthTests.Settings());

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<Session> RegisterAsync(bool enabled, string secretName)
    {
        var (session, _) = await _app.NewSessionAsync(enabled: enabled);
        session = session with { SecretNames = new Dictionary<string, string> { ["accessToken"] = secretName } };
        await _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session);
        return session;
    }

    private Task DisableAsync(Session session) =>
        _app.Services.GetRequiredService<SessionStore>().UpsertAsync(session with { Enabled = false });

    [Fact]
    public async Task AnEnabledSessionNamingAnUnconfiguredSecretMakesReady503NamingTheSecretUntilItIsConfigured()
    {
        var name = "health-" + Guid.NewGuid().ToString("N")[..8];
        const string value = "s3cret-value-never-shown";
        var session = await RegisterAsync(enabled: true, name);
        try
        {
            var (status, body) = await HealthProbes.GetAsync(_app.Http, "/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            var secrets = body.Check("secrets");
            Assert.Equal("Unhealthy", secrets.Str("status"));
            Assert.Equal($"secrets not configured: '{name}' (set ChatSend:Secrets:<name>)", secrets.Description());
            Assert.Equal("Healthy", body.Check("storage").Str("status"));
            Assert.DoesNotContain(session.Id, body.ToString());

            _app.Services.GetRequiredService<IConfiguration>()[$"ChatSend:Secrets:{name}"] = value;
            var (fixedStatus, fixedBody) = await HealthProbes.GetAsync(_app.Http, "/health/ready");
            Assert.Equal((HttpStatusCode.OK, "Healthy"), (fixedStatus, fixedBody.Str("status")));
            Assert.DoesNotContain(value, fixedBody.ToString());
        }
        finally
        {
            await DisableAsync(session);
        }
    }

    [Fact]
    public async Task ADisabledSessionsMissingSecretDoesNotCount()
    {
        var session = await RegisterAsync(enabled: false, "health-disabled-" + Guid.NewGuid().ToString("N")[..8]);

        var (status, body) = await HealthProbes.GetAsync(_app.Http, "/health/ready");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", body.Check("secrets").Str("status"));
        Assert.False(session.Enabled);
    }
}
