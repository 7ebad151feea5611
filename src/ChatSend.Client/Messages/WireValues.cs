using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatSend.Client;

/// <summary>
/// A message status as ChatSend names it on the wire. Known values are the static properties; a value a newer server
/// adds still reads, so an older client keeps working.
/// </summary>
[JsonConverter(typeof(MessageStatusConverter))]
public readonly record struct MessageStatus(string Value)
{
    /// <summary>Accepted with <c>sendAt</c>; waits for that time.</summary>
    public static MessageStatus Scheduled { get; } = new("scheduled");
    /// <summary>Accepted and waiting for delivery.</summary>
    public static MessageStatus Queued { get; } = new("queued");
    /// <summary>Handed to the provider.</summary>
    public static MessageStatus Sent { get; } = new("sent");
    /// <summary>Reached the recipient's device.</summary>
    public static MessageStatus Delivered { get; } = new("delivered");
    /// <summary>Read by the recipient.</summary>
    public static MessageStatus Read { get; } = new("read");
    /// <summary>A voice note the recipient played.</summary>
    public static MessageStatus Played { get; } = new("played");
    /// <summary>Final: not delivered; see <see cref="ChatSendMessage.FailureReason"/>.</summary>
    public static MessageStatus Failed { get; } = new("failed");
    /// <summary>Final: canceled by <c>DELETE</c> before any delivery attempt.</summary>
    public static MessageStatus Canceled { get; } = new("canceled");
    /// <summary>A customer's message, recorded; it becomes <see cref="Read"/> once marked read.</summary>
    public static MessageStatus Received { get; } = new("received");

    /// <inheritdoc/>
    public override string ToString() => Value ?? "";
}

/// <summary>
/// A message type as ChatSend names it on the wire: <c>text</c>, <c>image</c>, <c>video</c>, <c>document</c> or <c>ptt</c>
/// (what a send can be), and what only customers send: <c>audio</c>, <c>sticker</c>, <c>location</c>, <c>contacts</c>,
/// <c>reaction</c>, <c>button</c>, <c>unsupported</c>.
/// </summary>
[JsonConverter(typeof(MessageTypeConverter))]
public readonly record struct MessageType(string Value)
{
    /// <summary>A text message.</summary>
    public static MessageType Text { get; } = new("text");
    /// <summary>An image, with an optional caption.</summary>
    public static MessageType Image { get; } = new("image");
    /// <summary>A video, with an optional caption.</summary>
    public static MessageType Video { get; } = new("video");
    /// <summary>A document, with an optional caption.</summary>
    public static MessageType Document { get; } = new("document");
    /// <summary>A voice note (push to talk), sent from <c>audioUrl</c>.</summary>
    public static MessageType Ptt { get; } = new("ptt");
    /// <summary>A customer's audio file that is not a voice note.</summary>
    public static MessageType Audio { get; } = new("audio");
    /// <summary>A customer's sticker.</summary>
    public static MessageType Sticker { get; } = new("sticker");
    /// <summary>A customer's location (<see cref="ChatSendMessage.Location"/>).</summary>
    public static MessageType Location { get; } = new("location");
    /// <summary>A customer's shared contacts (<see cref="ChatSendMessage.Contacts"/>).</summary>
    public static MessageType Contacts { get; } = new("contacts");
    /// <summary>A customer's reaction to a message (<see cref="ChatSendMessage.Reaction"/>).</summary>
    public static MessageType Reaction { get; } = new("reaction");
    /// <summary>A quick-reply button or list row the customer tapped (<see cref="ChatSendMessage.Button"/>).</summary>
    public static MessageType Button { get; } = new("button");
    /// <summary>A customer's message of a type ChatSend does not read; <see cref="ChatSendMessage.Content"/> names it.</summary>
    public static MessageType Unsupported { get; } = new("unsupported");

    /// <inheritdoc/>
    public override string ToString() => Value ?? "";
}

internal abstract class WireValueConverter<T> : JsonConverter<T>
{
    protected abstract T Create(string value);
    protected abstract string? ValueOf(T value);

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Create(reader.GetString() ?? throw new JsonException($"A {typeof(T).Name} must be a string."));

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(ValueOf(value));
}

internal sealed class MessageStatusConverter : WireValueConverter<MessageStatus>
{
    protected override MessageStatus Create(string value) => new(value);
    protected override string? ValueOf(MessageStatus value) => value.Value;
}

internal sealed class MessageTypeConverter : WireValueConverter<MessageType>
{
    protected override MessageType Create(string value) => new(value);
    protected override string? ValueOf(MessageType value) => value.Value;
}
