using ChatSend.Auth;
using ChatSend.Messages;
using ChatSend.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.Infrastructure;

public static class TestSessions
{
    /// <summary>
    /// Set to a number from 1 to 16, the partitions of the sessions the tests create (<c>scripts/test.sh</c> runs the
    /// end-to-end tests a second time with 4); unset, 1, as sessions have by default.
    /// </summary>
    public const string PartitionsVariable = "CHATSEND_TEST_SESSION_PARTITIONS";

    /// <summary>The partitions of the sessions the tests create: <see cref="PartitionsVariable"/>, else 1.</summary>
    public static int Partitions { get; } =
        int.TryParse(Environment.GetEnvironmentVariable(PartitionsVariable), out var partitions) && MessagePartitions.IsValidCount(partitions)
            ? partitions
            : 1;

    /// <summary>Registers a session with a unique id and returns it with a key scoped to it alone.</summary>
    public static async Task<(Session Session, string Key)> CreateAsync(IServiceProvider services, string provider,
        IDictionary<string, string>? settings, bool enabled)
    {
        var session = new Session("t" + Guid.NewGuid().ToString("N")[..12], "+15550100001", provider,
            new Dictionary<string, string>(settings ?? new Dictionary<string, string>()), enabled) { Partitions = Partitions };
        await services.GetRequiredService<SessionStore>().UpsertAsync(session);
        return (session, await services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session.Id]));
    }
}
