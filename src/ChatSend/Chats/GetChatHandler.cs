using System.Text.Json.Serialization;
using ChatSend.Http;
using ChatSend.Send;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSend.Chats;

/// <summary>A chat as <c>GET /sessions/{session}/chats/{chat}</c> shows it.</summary>
public sealed record ChatView(
    [property: JsonPropertyName("chat")] string Chat,
    [property: JsonPropertyName("lastInboundAt")] DateTimeOffset? LastInboundAt,
    [property: JsonPropertyName("windowOpenUntil")] DateTimeOffset? WindowOpenUntil,
    [property: JsonPropertyName("windowOpen")] bool WindowOpen,
    [property: JsonPropertyName("onWhatsApp")] bool? OnWhatsApp)
{
    /// <summary>The session's messages to the chat that wait for their turn in its order, the one whose turn it is included.</summary>
    [JsonPropertyName("waiting")]
    public long Waiting { get; init; }
}

/// <summary>
/// <c>GET /sessions/{session}/chats/{chat}</c> for a key that covers the session: when the customer last wrote and
/// whether the 24-hour window is open now and how many of the session's messages to it wait their turn (one point read), and whether the number is on WhatsApp where the provider
/// can tell (<see cref="Providers.INumberCheck"/>, cached; null when it cannot, or could not answer). A chat whose
/// customer never wrote answers with nulls and <c>windowOpen: false</c>, not 404: a business may still write to it, with a template.
/// </summary>
public sealed class GetChatHandler(SessionStore sessions, ChatWindows windows, Providers.INumberCheck numbers, TimeProvider time)
{
    public async Task<Results<Ok<ChatView>, ProblemHttpResult>> HandleAsync(HttpRequest request, string session, string chat,
        CancellationToken cancellationToken)
    {
        // Outside the key's scope a session answers like a missing one.
        if (!request.HttpContext.GetApiKeyScope().Covers(session) || await sessions.FindAsync(session, cancellationToken) is not { } found)
            return Problems.Field(StatusCodes.Status404NotFound, "The session does not exist.", "session", $"no session '{session}' is visible to this API key");
        if (Recipient.Parse(chat) is not { } parsed)
            return Problems.Field(StatusCodes.Status400BadRequest, "The request is not valid.", "chat", Recipient.Rule);
        var record = windows.ReadAsync(Messages.MessagePartitions.For(found, parsed.Value), parsed.Value, cancellationToken);
        var onWhatsApp = numbers.IsOnWhatsAppAsync(found, parsed.Value, cancellationToken);
        var chatRecord = await record;
        return TypedResults.Ok(new ChatView(parsed.Value, chatRecord.LastInboundAt, chatRecord.WindowOpenUntil,
            chatRecord.IsOpenAt(time.GetUtcNow()), await onWhatsApp) { Waiting = chatRecord.OutboundWaiting });
    }
}
