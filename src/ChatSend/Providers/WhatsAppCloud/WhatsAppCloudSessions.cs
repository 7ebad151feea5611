using ChatSend.Providers.Settings;
using ChatSend.Sessions;
using Microsoft.Extensions.Logging;

namespace ChatSend.Providers.WhatsAppCloud;

/// <summary>
/// The sessions on <c>whatsapp-cloud</c> by their <c>phoneNumberId</c> setting, for callbacks that name only the phone
/// number. <see cref="SessionStore"/> keeps an index row for each session's number (<see cref="PhoneNumberIds"/>), so a
/// number's sessions are one read of its index partition and each session's own read, both reused for the session
/// cache's lifetime, and dropped at once on the instance that changed them. A session is taken only while it still has
/// the number. A number the index does not know makes this instance look through every session, at most once every
/// <see cref="ScanEvery"/>, and write the rows stored sessions lack (stored before the index, or by an earlier version),
/// so they keep getting their callbacks. A phone number is one session's (the <c>session</c> command refuses a second),
/// but sessions stored before that rule may share one: each of them is listed.
/// </summary>
public sealed partial class WhatsAppCloudSessions(SessionStore sessions, TimeProvider time, ILogger<WhatsAppCloudSessions> logger)
{
    public static readonly TimeSpan ScanEvery = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan AllReuse = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _nextScan = DateTimeOffset.MinValue;
    private long _scans;
    private All? _all;

    private sealed record All(DateTimeOffset At, IReadOnlyList<Session> Sessions);

    /// <summary>The index of <c>whatsapp-cloud</c> sessions by their phone number id.</summary>
    public static SessionAlias PhoneNumberIds { get; } = new(WhatsAppCloudProvider.ProviderName, PhoneNumberIdOf);

    /// <summary>The session's phone number id when it is on this provider and has a valid one.</summary>
    public static string? PhoneNumberIdOf(Session session) =>
        string.Equals(session.Provider, WhatsAppCloudProvider.ProviderName, StringComparison.OrdinalIgnoreCase)
            ? ProviderSettingsSchema.Read<WhatsAppCloudSettings>(session).PhoneNumberId
            : null;

    /// <summary>The sessions whose <c>phoneNumberId</c> this is: one, or none (or, stored before the rule, several).</summary>
    public async Task<IReadOnlyList<Session>> FindByPhoneNumberIdAsync(string phoneNumberId, CancellationToken cancellationToken)
    {
        // What a callback names is not trusted yet: only an id of the documented shape is looked up.
        if (phoneNumberId is not { Length: > 0 and <= 32 } || !phoneNumberId.All(char.IsAsciiDigit))
            return [];
        var found = await FindIndexedAsync(phoneNumberId, cancellationToken);
        if (found.Count > 0 || !await ScanAsync(cancellationToken))
            return found;
        return await FindIndexedAsync(phoneNumberId, cancellationToken);
    }

    private async Task<IReadOnlyList<Session>> FindIndexedAsync(string phoneNumberId, CancellationToken cancellationToken)
    {
        var found = new List<Session>();
        foreach (var id in await sessions.FindIdsAsync(PhoneNumberIds, phoneNumberId, cancellationToken))
        {
            var session = await sessions.FindAsync(id, cancellationToken);
            // The row is written before the session: this instance's copy may be older than the change that wrote it.
            if (session is not null && PhoneNumberIdOf(session) != phoneNumberId)
                session = await sessions.FindStoredAsync(id, cancellationToken);
            if (session is not null && PhoneNumberIdOf(session) == phoneNumberId)
                found.Add(session);
        }
        return found;
    }

    /// <summary>
    /// Writes the index rows stored sessions lack, unless this instance did within <see cref="ScanEvery"/>; true when a
    /// look through the sessions ended since the caller asked (its own, or one it waited for).
    /// </summary>
    private async Task<bool> ScanAsync(CancellationToken cancellationToken)
    {
        var before = Interlocked.Read(ref _scans);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Interlocked.Read(ref _scans) != before)
                return true;
            if (time.GetUtcNow() < _nextScan)
                return false;
            _nextScan = time.GetUtcNow() + ScanEvery;
            var written = await sessions.IndexAsync(PhoneNumberIds, cancellationToken);
            Interlocked.Increment(ref _scans);
            if (written > 0)
                LogIndexed(written);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Every session on this provider (disabled ones too: their messages still get statuses) (for the verify token of the subscription handshake).</summary>
    public async Task<IReadOnlyList<Session>> AllAsync(CancellationToken cancellationToken)
    {
        if (_all is { } all && time.GetUtcNow() - all.At < AllReuse)
            return all.Sessions;
        var found = new List<Session>();
        await foreach (var session in sessions.ListAsync(cancellationToken))
            if (string.Equals(session.Provider, WhatsAppCloudProvider.ProviderName, StringComparison.OrdinalIgnoreCase))
                found.Add(session);
        _all = new All(time.GetUtcNow(), found);
        return found;
    }

    [LoggerMessage(LogLevel.Information, "WhatsApp Cloud callbacks: {Count} sessions stored without an index row of their phone number id got one")]
    private partial void LogIndexed(int count);
}
