using System.Text.Json;
using Azure.Messaging;
using ChatSend.Messages;

namespace ChatSend.Events;

/// <summary>
/// The CloudEvents 1.0 ChatSend publishes, one per status a message reaches (docs/events-and-webhooks.md, "The events"): the id is
/// <c>&lt;message id&gt;:&lt;status&gt;</c>, stable across redeliveries, so receivers dedupe on it.
/// </summary>
public static class MessageEvents
{
    public const string TypePrefix = "chatsend.message.";

    /// <summary>The media type of one event in structured mode, as webhooks post it.</summary>
    public const string ContentType = "application/cloudevents+json";

    public static IReadOnlyList<string> AllTypes { get; } = Enum.GetValues<MessageStatus>().Select(TypeOf).ToArray();

    public static string TypeOf(MessageStatus status) => TypePrefix + status.ToWire();

    public static string IdOf(MessageId message, MessageStatus status) => $"{message.Value}:{status.ToWire()}";

    public static string SourceOf(string session) => "/sessions/" + session;

    /// <summary>
    /// The extension attribute that gives a customer's message's <c>received</c> event its place in its chat: 1 for the
    /// chat's first, then one more for each, as 12 digits so that it also sorts as text (the CloudEvents sequence extension's rule).
    /// </summary>
    public const string ChatSequenceAttribute = "chatsequence";

    /// <summary>
    /// The event for <paramref name="change"/>; its data is the message as it stands in <paramref name="row"/>.
    /// <paramref name="chatSequence"/> is the place of a customer's <c>received</c> event in its chat (<see cref="ChatOrder"/>).
    /// </summary>
    public static CloudEvent Create(MessageEntity row, StatusChange change, long? chatSequence = null)
    {
        var cloudEvent = new CloudEvent(SourceOf(row.Session), TypeOf(change.Status),
            BinaryData.FromObjectAsJson(MessageView.From(row, withHistory: true), Json), "application/json", CloudEventDataFormat.Json)
        {
            Id = IdOf(row.MessageId, change.Status),
            Subject = row.Id,
            Time = change.At,
        };
        if (chatSequence is { } sequence)
            cloudEvent.ExtensionAttributes[ChatSequenceAttribute] = FormatSequence(sequence);
        return cloudEvent;
    }

    public static string FormatSequence(long sequence) => sequence.ToString("D12", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The <c>chatsequence</c> of one event as structured JSON, or null.</summary>
    public static long? SequenceOf(JsonElement cloudEvent) =>
        cloudEvent.ValueKind == JsonValueKind.Object && cloudEvent.TryGetProperty(ChatSequenceAttribute, out var value)
        && value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var sequence)
            ? sequence
            : null;

    /// <summary>One event as structured-mode JSON: the body of a webhook request.</summary>
    public static string Serialize(CloudEvent cloudEvent) => JsonSerializer.Serialize(cloudEvent, Json);

    // Text as UTF-8, not \uXXXX escapes: 4,096 emoji are 16 KB instead of 49 KB, so the event fits a queue message.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General)
    {
        Encoder = Queues.MinimalJsonEncoder.Instance,
    };
}
