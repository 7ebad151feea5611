using ChatSend.Http;
using ChatSend.Providers;
using ChatSend.Send;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;

namespace ChatSend.Chats;

/// <summary>
/// <c>/send</c>'s step for the 24-hour window: where the session enforces it (<c>windowPolicy</c>), a free-form message to
/// a chat whose customer has not written in the last 24 hours, at the time it will be sent, is refused with
/// <c>422 window-closed</c> before anything is stored, unless it carries a <c>fallbackTemplate</c>: then it is sent as
/// that template. No storage call where the window is not enforced, at most one point read where it is (none while this
/// instance knows the window is open).
/// </summary>
public sealed class WindowCheck(ChatWindows windows, ChannelProviders providers)
{
    /// <returns>The command to go on with: as given, or as its fallback template.</returns>
    public async Task<Step<SendCommand>> CheckAsync(SendCommand command, Session session, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (command.Type == MessageType.Template || providers.Find(session.Provider) is not { } provider || !ChatWindows.Enforced(session, provider))
            return command;
        var at = command.SendAt ?? now;
        var record = await windows.ForSendAsync(Messages.MessagePartitions.For(session, command.To.Value), command.To.Value, at, cancellationToken);
        if (record.IsOpenAt(at))
            return command.SendAt is not null && command.FallbackHeader is not null
                ? Problems.Field(StatusCodes.Status422UnprocessableEntity, "The fallback template cannot be kept for later.", "fallbackTemplate.header",
                    "a scheduled message's fallbackTemplate may have a text header but not a file (the window is open at sendAt; if it closes before, the template is sent without fetching anything)")
                : command;
        return command.Fallback is not null ? command.AsFallback() : Problems.WindowClosed(record.ClosesAt, scheduled: command.SendAt is not null);
    }
}
