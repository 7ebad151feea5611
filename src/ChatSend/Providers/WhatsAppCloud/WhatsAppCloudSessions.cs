using ChatSend.Providers.Settings;
using ChatSend.Sessions;

namespace ChatSend.Providers.WhatsAppCloud;

/// <summary>
/// The sessions on <c>whatsapp-cloud</c>, by their <c>phoneNumberId</c> setting, for callbacks that name only the phone
/// number. Read by scanning the sessions table (one small partition per session) and kept for 30 seconds; a phone
/// number not in the list causes a fresh scan at most every 5 seconds, so a new session is found quickly and unknown
/// ids cannot make every request scan.
/// </summary>
public sealed class WhatsAppCloudSessions(SessionStore sessions, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MinRefresh = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Snapshot? _snapshot;

    private sealed record Snapshot(DateTimeOffset At, IReadOnlyList<Session> All, IReadOnlyDictionary<string, Session> ByPhoneNumberId);

    public async Task<Session?> FindByPhoneNumberIdAsync(string phoneNumberId, CancellationToken cancellationToken)
    {
        var snapshot = await GetAsync(cancellationToken);
        if (snapshot.ByPhoneNumberId.TryGetValue(phoneNumberId, out var session))
            return session;
        if (time.GetUtcNow() - snapshot.At < MinRefresh)
            return null;
        snapshot = await GetAsync(cancellationToken, force: true);
        return snapshot.ByPhoneNumberId.GetValueOrDefault(phoneNumberId);
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
            var byPhone = new Dictionary<string, Session>(StringComparer.Ordinal);
            foreach (var session in found)
                if (ProviderSettingsSchema.Read<WhatsAppCloudSettings>(session).PhoneNumberId is { } phone)
                    byPhone.TryAdd(phone, session);
            return _snapshot = new Snapshot(time.GetUtcNow(), found, byPhone);
        }
        finally
        {
            _gate.Release();
        }
    }
}
