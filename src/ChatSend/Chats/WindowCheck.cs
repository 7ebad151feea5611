using ChatSend.Http;
using ChatSend.Providers;
using ChatSend.Send;
using ChatSend.Sessions;

namespace ChatSend.Chats;

/// <summary>
/// <c>/send</c>'s step for the 24-hour window: where the session enforces it (<c>windowPolicy</c>), a free-form message to
/// a chat whose customer has not written in the last 24 hours, at the time it will be sent, is refused with
/// <c>422 window-closed</c> before anything is stored. No storage call where the window is not enforced, at most one
/// point read where it is (none while this instance knows the window is open).
/// </summary>
public sealed class WindowCheck(ChatWindows windows, ChannelProviders providers)
{
    public async Task<Step<bool>> CheckAsync(SendCommand command, Session session, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (providers.Find(session.Provider) is not { } provider || !ChatWindows.Enforced(session, provider))
            return true;
        var at = command.SendAt ?? now;
        var record = await windows.ForSendAsync(session.Id, command.To.Value, at, cancellationToken);
        return record.IsOpenAt(at) ? true : Problems.WindowClosed(record.ClosesAt, scheduled: command.SendAt is not null);
    }
}
