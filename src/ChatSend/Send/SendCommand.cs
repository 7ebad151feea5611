using System.Text.Json;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Sessions;

namespace ChatSend.Send;

/// <summary>A send request that passed validation, with its type inferred and its recipient normalised.</summary>
public sealed record SendCommand(
    string Session,
    Recipient To,
    MessageType Type,
    string? Text,
    MediaReference? Media,
    IReadOnlyDictionary<string, string>? Preview,
    DateTimeOffset? SendAt = null,
    MessageId? ReplyTo = null)
{
    /// <summary>For a template message: the template and its values; <see cref="Media"/> is its header's file.</summary>
    public Templates.SendTemplate? Template { get; init; }

    /// <summary>False: the message does not wait for the session's earlier messages to the chat (<c>"ordered": false</c>).</summary>
    public bool Ordered { get; init; } = true;

    /// <summary>The type the media is checked and staged as: the message's, or a template header's.</summary>
    public MessageType MediaType => Template?.HeaderMedia ?? Type;

    /// <summary>For a free-form message: the template to send instead where the chat's window is closed, and its header's file.</summary>
    public Templates.SendTemplate? Fallback { get; init; }

    public MediaReference? FallbackHeader { get; init; }

    /// <summary>This command is a free-form message's <see cref="Fallback"/>, sent because the chat's window was closed.</summary>
    public bool IsFallback { get; init; }

    /// <summary>The field a template's problems are named under: <c>template</c>, or <c>fallbackTemplate</c> for a fallback.</summary>
    public string TemplateField => IsFallback ? "fallbackTemplate" : "template";

    /// <summary>The message as its fallback template, to send where the chat's window is closed.</summary>
    public SendCommand AsFallback() => this with
    {
        Type = MessageType.Template,
        Text = null,
        Media = FallbackHeader,
        Preview = null,
        Template = Fallback,
        Fallback = null,
        FallbackHeader = null,
        IsFallback = true,
    };

    /// <summary>
    /// The row this command becomes once accepted: <c>queued</c>, or <c>scheduled</c> with a <see cref="SendAt"/>; a reply
    /// keeps the quoted message's id and the provider's id for it, which its delivery quotes.
    /// </summary>
    /// <param name="content">a template's body with its values filled in (<see cref="Templates.TemplateCheck"/>)</param>
    public MessageEntity ToMessage(MessageId id, Session session, StagedMedia? staged, DateTimeOffset now, Quote? quote = null, string? content = null)
    {
        var message = new MessageEntity
        {
            PartitionKey = id.PartitionKey,
            RowKey = id.RowKey,
            Id = id.Value,
            To = To.Value,
            Recipient = To.Value,
            Direction = MessageDirections.Outbound,
            Chat = To.Value,
            Sender = session.SenderPhone,
            MessageType = Type,
            Text = Text,
            Content = content ?? Text ?? Media?.Url.OriginalString ?? "",
            Preview = Preview is null ? null : JsonSerializer.Serialize(Preview),
            AcceptedAt = now,
            MediaUrl = Media?.Url.OriginalString,
            MediaBlob = staged?.BlobName,
            MimeType = staged?.MimeType,
            FileName = staged?.FileName,
            MediaLength = staged?.Length,
            MediaSha256 = staged?.Sha256,
            SendAt = SendAt,
            ReplyTo = quote?.Id.Value,
            ReplyToProviderId = quote?.ProviderMessageId,
            Template = Template is null ? null : JsonSerializer.Serialize(Template),
            Fallback = IsFallback,
            FallbackTemplate = SendAt is not null && Fallback is not null ? JsonSerializer.Serialize(Fallback) : null,
            Unordered = !Ordered,
        };
        message.Advance(SendAt is null ? MessageStatus.Queued : MessageStatus.Scheduled, now);
        return message;
    }
}

/// <summary>The media field of a request: which field, its URL and the optional type and name the client gave.</summary>
public sealed record MediaReference(string Field, Uri Url, string? MimeType, string? FileName);
