using ChatSend.Send;

namespace ChatSend.Media;

/// <summary>
/// Why media was refused: answered with <see cref="Status"/> as a problem naming <see cref="Field"/>.
/// <see cref="IsTransient"/> says whether fetching it again later may succeed (the server answered 5xx, 408 or 429, timed
/// out, or the connection broke), which matters where a fetch is retried: a customer's file (<c>Inbound/</c>).
/// </summary>
public sealed class MediaException(int status, string field, string title, string message, bool transient = false) : Exception(message)
{
    public int Status { get; } = status;
    public string Field { get; } = field;
    public string Title { get; } = title;
    public bool IsTransient { get; } = transient;

    public static MediaException TooLarge(string field, MessageType type, long limit) =>
        new(413, field, "The media is too large.", $"is larger than the {limit}-byte limit for {type.ToWire()} messages");

    public static MediaException WrongType(string field, string message) =>
        new(415, field, "The media type is not accepted.", message);

    public static MediaException Unavailable(string field, string message, bool transient = false) =>
        new(422, field, "The media could not be fetched.", message, transient);
}
