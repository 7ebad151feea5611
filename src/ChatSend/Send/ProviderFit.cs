using ChatSend.Http;
using ChatSend.Providers;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;

namespace ChatSend.Send;

/// <summary>Whether the session's provider can send this message at all: 422 naming the field before anything is staged.</summary>
public static class ProviderFit
{
    private const string Title = "The session's provider cannot send this message.";

    public static Step<bool> Check(SendCommand command, Session session, ChannelProviders providers)
    {
        if (providers.Find(session.Provider) is not { } provider)
            return Problems.Field(StatusCodes.Status422UnprocessableEntity, Title, "session",
                $"session '{session.Id}' uses provider '{session.Provider}', which this deployment does not have");
        var can = provider.Capabilities;
        if (command.Type == MessageType.Template && !can.Templates)
            return Problems.Field(StatusCodes.Status422UnprocessableEntity, Title, "template",
                $"provider {provider.Name} does not send WhatsApp templates");
        if (command.Type != MessageType.Template && !can.Types.Contains(command.Type))
            return Problems.Field(StatusCodes.Status422UnprocessableEntity, Title, command.Media?.Field ?? "text",
                $"provider {provider.Name} does not send {command.Type.ToWire()} messages");
        if (command.To.IsGroup && !can.Groups)
            return Problems.Field(StatusCodes.Status422UnprocessableEntity, Title, "to", $"provider {provider.Name} does not send to groups");
        if (command.Preview is not null && !can.Preview)
            return Problems.Field(StatusCodes.Status422UnprocessableEntity, Title, "preview",
                $"provider {provider.Name} does not take custom link previews");
        if (command.ReplyTo is not null && !can.Replies)
            return Problems.Field(StatusCodes.Status422UnprocessableEntity, Title, "replyTo",
                $"provider {provider.Name} does not send replies (quoting a message)");
        return true;
    }
}
