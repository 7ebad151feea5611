namespace ChatSend.Send;

/// <summary>A send request that passed validation, with its type inferred and its recipient normalised.</summary>
public sealed record SendCommand(
    string Session,
    Recipient To,
    string Type,
    string? Text,
    MediaReference? Media,
    IReadOnlyDictionary<string, string>? Preview);

/// <summary>The media field of a request: which field, its URL and the optional type and name the client gave.</summary>
public sealed record MediaReference(string Field, Uri Url, string? MimeType, string? FileName);
