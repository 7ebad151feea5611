using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using ChatSend.Auth;
using ChatSend.Http;
using ChatSend.Inbound;
using ChatSend.Messages;
using ChatSend.Providers.Callbacks;
using ChatSend.Send;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace ChatSend.Providers;

/// <summary>
/// The body of <c>POST /sandbox/sessions/{session}/inbound</c>: what the sandbox's pretend customer sends the session,
/// with the fields and rules of <c>POST /send</c> (one media URL, a caption, its type and name), from a phone number.
/// </summary>
public sealed record SandboxInboundRequest
{
    /// <summary>The customer: a phone number in international form (<c>+</c> optional) or a user JID.</summary>
    [Required, JsonPropertyName("from")] public string? From { get; init; }

    /// <summary>The text, or the caption of a media message; at most 4096 characters.</summary>
    [JsonPropertyName("text")] public string? Text { get; init; }

    [JsonPropertyName("imageUrl")] public string? ImageUrl { get; init; }
    [JsonPropertyName("videoUrl")] public string? VideoUrl { get; init; }
    [JsonPropertyName("documentUrl")] public string? DocumentUrl { get; init; }

    /// <summary>Audio the customer sends as a voice note (type <c>ptt</c>).</summary>
    [JsonPropertyName("audioUrl")] public string? AudioUrl { get; init; }

    /// <summary>MIME type of the media; inferred when absent.</summary>
    [JsonPropertyName("mimetype")] public string? MimeType { get; init; }

    [JsonPropertyName("filename")] public string? FileName { get; init; }

    /// <summary>The same fields as a send request, from the session's side, so <see cref="SendRequestValidator"/> judges them.</summary>
    public SendRequest ToSendRequest(string session) => new()
    {
        Session = session, To = From, Text = Text, ImageUrl = ImageUrl, VideoUrl = VideoUrl, DocumentUrl = DocumentUrl, AudioUrl = AudioUrl,
        MimeType = MimeType, FileName = FileName,
    };
}

/// <summary>
/// <c>POST /sandbox/sessions/{session}/inbound</c>: the sandbox's pretend customer sends the session a message, which is
/// recorded as a customer's message through <see cref="InboundRecorder"/> (as a real provider's callback would be) under
/// a provider id of its own, and answered 202 with the message. Its file, if any, is fetched by the same job as a real
/// provider's (<see cref="SandboxMediaSource"/>). The key must cover the session (403), the session must exist (404),
/// be enabled (409) and be a sandbox session (404); the body is read and checked like <c>POST /send</c>'s (400 naming the field).
/// </summary>
public sealed partial class SandboxInboundHandler(SessionAccess sessions, InboundRecorder recorder, TimeProvider time,
    ILogger<SandboxInboundHandler> logger)
{
    private static readonly IReadOnlyList<string> FieldOrder = [JsonBody.Field, .. JsonBody.FieldOrder<SandboxInboundRequest>()];

    public async Task<Results<Accepted<MessageView>, ProblemHttpResult>> HandleAsync(HttpRequest request, string session,
        CancellationToken cancellationToken)
    {
        var authorized = await sessions.AuthorizeAsync(request.HttpContext.GetApiKeyScope(), session, cancellationToken);
        if (authorized.Failed(out var refused))
            return refused;
        if (authorized.Value!.Provider != SandboxProvider.ProviderName)
            return Problems.Field(StatusCodes.Status404NotFound, "The session is not a sandbox session.", "session",
                $"session '{session}' uses provider '{authorized.Value.Provider}'; only sandbox sessions take pretend customers' messages");
        var body = await SendRequestReader.ReadBodyAsync(request, cancellationToken);
        if (body.Failed(out var unreadable))
            return unreadable;
        var read = Read(body.Value!, session);
        if (read.Failed(out var invalid))
            return invalid;

        var command = read.Value!;
        var report = new InboundReport(session, $"sandbox-in-{Guid.NewGuid():N}", time.GetUtcNow(), command.To.Value, command.To.Value,
            command.Type, command.Text)
        {
            Media = command.Media is { } media ? new SandboxMediaReference(media.Url, MimeType: media.MimeType, FileName: media.FileName).ToJson() : null,
        };
        var (message, _) = await recorder.RecordAsync(authorized.Value, SandboxProvider.ProviderName, report, CancellationToken.None);
        LogReceived(message.Id, session);
        return TypedResults.Accepted($"/messages/{message.Id}", MessageView.From(message));
    }

    private Step<SendCommand> Read(byte[] json, string session)
    {
        var errors = new FieldErrors();
        var request = JsonBody.Read<SandboxInboundRequest>(json, errors);
        if (request.Failed(out var problem))
            return problem;
        var command = SendRequestValidator.Validate(request.Value!.ToSendRequest(session), errors, time.GetUtcNow(), toField: "from");
        if (command is { To.IsGroup: true })
            errors.Add("from", "must be a customer's phone number or user JID; a group cannot send a message itself");
        return errors.Count == 0 ? command! : Problems.Validation(errors.ToDictionary(FieldOrder));
    }

    [LoggerMessage(LogLevel.Information, "Sandbox customer's message {MessageId} recorded for session {Session}")]
    private partial void LogReceived(string messageId, string session);
}
