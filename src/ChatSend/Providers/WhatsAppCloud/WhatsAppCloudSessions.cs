using ChatSend.Providers.Settings;
using ChatSend.Sessions;

namespace ChatSend.Providers.WhatsAppCloud;

/// <summary>
/// The sessions on <c>whatsapp-cloud</c>, by their <c>phoneNumberId</c> setting, for callbacks that name only the phone
/// number. Read by scanning the sessions table (one small partition per session) and kept for 30 seconds; a phone
/// number not in the list causes a fresh scan at most every 5 seconds, so a new session is found quickly and unknown
/// ids cannot make every request scan. A phone number is one session's (the <c>session</c> command refuses a second), but
/// sessions stored before that rule may share one: each of them is listed.
/// </summary>
public sealed class WhatsAppCloudSessions(SessionStore sessions, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MinRefresh = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Snapshot? _snapshot;

    private sealed record Snapshot(DateTimeOffset At, IReadOnlyList<Session> All, ILookup<string, Session> ByPhoneNumberId);

    /// <summary>The sessions whose <c>phoneNumberId</c> this is: one, or none (or, stored before the rule, several).</summary>
    public async Task<IReadOnlyList<Session>> FindByPhoneNumberIdAsync(string phoneNumberId, CancellationToken cancellationToken)
    {
        var snapshot = await GetAsync(cancellationToken);
        if (snapshot.ByPhoneNumberId.Contains(phoneNumberId) || time.GetUtcNow() - snapshot.At < MinRefresh)
            return snapshot.ByPhoneNumberId[phoneNumberId].ToList();
        snapshot = await GetAsync(cancellationToken, force: true);
        return snapshot.ByPhoneNumberId[phoneNumberId].ToList();
    }

    /// <summary>Every session on this provider (disabled ones too: their messages still get statuses) (for the verify token of the subscription handshake).</summary>
    public async Task<IReadOnlyList<Session>> AllAsync(CancellationToken cancellationToken) => (await GetAsync(cancellationToken, force: true)).All;

    private async Task<Snapshot> GetAsync(CancellationToken cancellationToken, bool force = false)
    {
        var now = time.GetUtcNow();
        if (_snapshot is { } s && now - s.At < (force ? MinRefresh : Lifetime))
            return s;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_snapshot is { } again && time.GetUtcNow() - again.At < (force ? MinRefresh : Lifetime))
                return again;
            var found = new List<Session>();
            await foreach (var id in sessions.ListIdsAsync(cancellationToken))
            {
                if (await sessions.FindAsync(id, cancellationToken) is { } session
                    && string.Equals(session.Provider, WhatsAppCloudProvider.ProviderName, StringComparison.OrdinalIgnoreCase))
                    found.Add(session);
            }
            var byPhone = found.Select(session => (Phone: ProviderSettingsSchema.Read<WhatsAppCloudSettings>(session).PhoneNumberId, Session: session))
                .Where(s => s.Phone is not null)
                .ToLookup(s => s.Phone!, s => s.Session, StringComparer.Ordinal);
            return _snapshot = new Snapshot(time.GetUtcNow(), found, byPhone);
        }
        finally
        {
            _gate.Release();
        }
    }
}
