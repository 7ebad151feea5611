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

    /// <summary>
    /// Registers a session with a unique id and returns it with a key scoped to it alone; with <paramref name="partitions"/>
    /// as given, else <see cref="Partitions"/>.
    /// </summary>
    public static async Task<(Session Session, string Key)> CreateAsync(IServiceProvider services, string provider,
        IDictionary<string, string>? settings, bool enabled, int? partitions = null)
    {
        var session = new Session("t" + Guid.NewGuid().ToString("N")[..12], "+15550100001", provider,
            new Dictionary<string, string>(settings ?? new Dictionary<string, string>()), enabled) { Partitions = partitions ?? Partitions };
        await services.GetRequiredService<SessionStore>().UpsertAsync(session);
        return (session, await services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session.Id]));
    }

    /// <summary>
    /// The <paramref name="n"/>th phone number (from 0) whose chat lies in partition <paramref name="partition"/> of a session
    /// with <paramref name="partitions"/>: numbers from +1202555xxxx, tried in turn.
    /// </summary>
    public static string RecipientIn(int partition, int partitions, int n = 0) =>
        Enumerable.Range(0, 10_000).Select(i => $"+1202555{i:D4}").Where(r => MessagePartitions.Of(r, partitions) == partition).ElementAt(n);
}
