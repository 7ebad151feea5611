using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatSend.Queues;

/// <summary>A queue message shape that checks itself once read; an invalid one is treated like malformed JSON.</summary>
public interface IQueueMessage
{
    bool IsValid { get; }
}

/// <summary>
/// The one JSON form of every queue message (web defaults: camelCase, typed ids and statuses by their wire names).
/// Queues carry it as Base64 text, which the storage client does and the Functions queue trigger expects.
/// </summary>
public static class QueueMessages
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        AllowDuplicateProperties = false,
        Encoder = MinimalJsonEncoder.Instance, // not HTML: text stays UTF-8, emoji included
    };

    public static string Serialize<T>(T message) where T : IQueueMessage => JsonSerializer.Serialize(message, Json);

    public static bool TryRead<T>(string body, [NotNullWhen(true)] out T? message) where T : class, IQueueMessage
    {
        try
        {
            message = JsonSerializer.Deserialize<T>(body, Json);
        }
        catch (JsonException)
        {
            message = null;
        }
        if (message is { IsValid: true })
            return true;
        message = null;
        return false;
    }
}
