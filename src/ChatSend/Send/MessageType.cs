namespace ChatSend.Send;

/// <summary>The message types of the contract and the request field that selects each.</summary>
public static class MessageType
{
    public const string Text = "text";
    public const string Image = "image";
    public const string Video = "video";
    public const string Document = "document";
    public const string Ptt = "ptt";

    /// <summary>Media request fields in contract order, each with the type it selects.</summary>
    public static IReadOnlyList<(string Field, string Type)> MediaFields { get; } =
    [
        ("imageUrl", Image),
        ("videoUrl", Video),
        ("documentUrl", Document),
        ("audioUrl", Ptt),
    ];

    /// <summary>The MIME top-level type a media type requires, or null when any is allowed.</summary>
    public static string? RequiredMimeFamily(string type) => type switch
    {
        Image => "image",
        Video => "video",
        Ptt => "audio",
        _ => null,
    };
}
