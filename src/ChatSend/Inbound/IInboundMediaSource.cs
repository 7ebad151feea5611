using ChatSend.Sessions;

namespace ChatSend.Inbound;

/// <summary>
/// How a provider hands over the file of a customer's message: from the reference its callback parser put in
/// <see cref="Providers.Callbacks.InboundReport.Media"/> (the provider's own JSON: a media id, a URL, a message key), it
/// opens the file's bytes with the session's credentials. ChatSend stages what it reads under the same limits and MIME
/// rules as outbound media. A failure is a <see cref="Providers.ProviderException"/>: transient ones are tried again,
/// permanent ones leave the message with <c>media.error</c>.
/// </summary>
public interface IInboundMediaSource
{
    /// <summary>The provider whose references this reads.</summary>
    string Provider { get; }

    Task<InboundFile> OpenAsync(Session session, string reference, CancellationToken cancellationToken);
}

/// <summary>An open file of a customer's message: its bytes (read once, as they come) and what the provider says it is.</summary>
public sealed class InboundFile(Stream content, string? mimeType, string? fileName, long? length, IDisposable? owner = null) : IAsyncDisposable
{
    public Stream Content { get; } = content;

    public string? MimeType { get; } = mimeType;

    public string? FileName { get; } = fileName;

    /// <summary>The length the provider declares, when it does; a longer body is still cut at the limit.</summary>
    public long? Length { get; } = length;

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        owner?.Dispose();
    }
}
