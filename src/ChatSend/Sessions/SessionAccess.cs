using ChatSend.Auth;
using ChatSend.Http;

namespace ChatSend.Sessions;

/// <summary>May this key send for this session, and can the session send: 403, 404 and 409 otherwise.</summary>
public sealed class SessionAccess(SessionStore sessions)
{
    public async Task<Step<Session>> AuthorizeAsync(ApiKeyScope scope, string sessionId, CancellationToken cancellationToken)
    {
        if (!scope.Covers(sessionId))
            return Problems.SessionForbidden(sessionId);
        var session = await sessions.FindAsync(sessionId, cancellationToken);
        if (session is null)
            return Problems.SessionNotFound(sessionId);
        if (!session.Enabled)
            return Problems.SessionDisabled(sessionId);
        return session;
    }
}
