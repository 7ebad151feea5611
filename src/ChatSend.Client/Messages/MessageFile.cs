namespace ChatSend.Client;

/// <summary>A message's file as <see cref="IChatSendClient.GetMediaAsync"/> opens it: read <see cref="Content"/> once, then dispose.</summary>
public sealed class MessageFile(Stream content, string? mimeType, string? fileName, long? length, IDisposable response) : IAsyncDisposable, IDisposable
{
    /// <summary>The file's bytes, as they arrive.</summary>
    public Stream Content { get; } = content;

    /// <summary>Its MIME type.</summary>
    public string? MimeType { get; } = mimeType;

    /// <summary>Its file name, when it has one.</summary>
    public string? FileName { get; } = fileName;

    /// <summary>Its length in bytes.</summary>
    public long? Length { get; } = length;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        response.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Content.Dispose();
        response.Dispose();
    }
}
