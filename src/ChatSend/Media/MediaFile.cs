namespace ChatSend.Media;

/// <summary>
/// A file to stage (<see cref="MediaStager"/>), from wherever it comes: a client's media URL or a customer's file a
/// provider hands over. Its bytes are read once, as they come; the rest is what its sender says of it.
/// <see cref="Field"/> is what a refusal names.
/// </summary>
public sealed record MediaFile(Stream Content, string Field)
{
    /// <summary>The length the sender declares; a file that declares more than the limit is refused before a byte is read.</summary>
    public long? DeclaredLength { get; init; }

    /// <summary>The MIME type claimed for it, which its first bytes must match; null leaves the type to the bytes.</summary>
    public string? MimeType { get; init; }

    /// <summary>What a claimed type the rules refuse is blamed on (the client's <c>mimetype</c>); <see cref="Field"/> when null.</summary>
    public string? MimeTypeField { get; init; }

    /// <summary>Names for the file, best first; the first usable one is kept (sanitised), else the message id and the type's extension.</summary>
    public IReadOnlyList<string?> FileNames { get; init; } = [];
}
