using ChatSend.Auth;
using ChatSend.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.Infrastructure;

public static class TestSessions
{
    /// <summary>Registers a session with a unique id and returns it with a key scoped to it alone.</summary>
    public static async Task<(Session Session, string Key)> CreateAsync(IServiceProvider services, string provider,
        IDictionary<string, string>? settings, bool enabled)
    {
        var session = new Session("t" + Guid.NewGuid().ToString("N")[..12], "+15550100001", provider,
            new Dictionary<string, string>(settings ?? new Dictionary<string, string>()), enabled);
        await services.GetRequiredService<SessionStore>().UpsertAsync(session);
        return (session, await services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session.Id]));
    }
}
