using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace ChatSend.Messages;

/// <summary>
/// A message id is <c>msg_&lt;partition key&gt;_&lt;row key&gt;</c>: the Table partition that holds the message (the
/// session id, or <c>&lt;session&gt;~&lt;k&gt;</c> for a session's partition k &gt; 0, <see cref="MessagePartitions"/>) and
/// its row key, which starts with inverted ticks. So GET by id is one point read, the id names its session, and a
/// partition's messages list newest-first from one range, without a scan.
/// </summary>
[JsonConverter(typeof(MessageIdJsonConverter))]
public readonly partial record struct MessageId(string PartitionKey, string RowKey)
{
    private const string Prefix = "msg_";
    private const int RowKeyLength = 26;

    /// <summary>The session the message belongs to.</summary>
    public string Session => MessagePartitions.SessionOf(PartitionKey);

    public string Value => $"{Prefix}{PartitionKey}_{RowKey}";

    public override string ToString() => Value;

    public static MessageId New(string partitionKey, DateTimeOffset acceptedAt) => new(partitionKey, NewRowKey(acceptedAt));

    /// <summary>A fresh row key for a message accepted at <paramref name="acceptedAt"/>: newer sorts first.</summary>
    public static string NewRowKey(DateTimeOffset acceptedAt)
    {
        Span<char> random = stackalloc char[10];
        for (var i = 0; i < random.Length; i++)
            random[i] = Base32[RandomNumberGenerator.GetInt32(Base32.Length)];
        return $"{TimePrefix(acceptedAt)}{random}";
    }

    /// <summary>The row-key prefix of a time: row keys of messages accepted at or after it sort at or before it.</summary>
    public static string TimePrefix(DateTimeOffset time) => $"{DateTimeOffset.MaxValue.UtcTicks - time.UtcTicks:x16}";

    public static bool IsRowKey(string? rowKey) => rowKey is not null && RowKeyPattern().IsMatch(rowKey);

    public static MessageId Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"'{value}' is not a message id.");

    public static bool TryParse(string? value, out MessageId id)
    {
        id = default;
        if (value is null || !value.StartsWith(Prefix, StringComparison.Ordinal) || value.Length < Prefix.Length + 2 + RowKeyLength)
            return false;
        var rowKey = value[^RowKeyLength..];
        var separator = value[^(RowKeyLength + 1)];
        var partitionKey = value[Prefix.Length..^(RowKeyLength + 1)];
        if (separator != '_' || !RowKeyPattern().IsMatch(rowKey) || !MessagePartitions.IsKey(partitionKey))
            return false;
        id = new MessageId(partitionKey, rowKey);
        return true;
    }

    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";

    [GeneratedRegex("^[0-9a-f]{16}[a-z2-7]{10}$")]
    private static partial Regex RowKeyPattern();
}

/// <summary>A message id on the wire is its string form; one that does not parse fails the read.</summary>
public sealed class MessageIdJsonConverter : JsonConverter<MessageId>
{
    public override MessageId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && MessageId.TryParse(reader.GetString(), out var id)
            ? id
            : throw new JsonException("Not a message id.");

    public override void Write(Utf8JsonWriter writer, MessageId value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
}
