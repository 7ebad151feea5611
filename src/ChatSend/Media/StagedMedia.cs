namespace ChatSend.Media;

/// <summary>Media fetched, checked and stored in the media container under <see cref="BlobName"/>.</summary>
public sealed record StagedMedia(string BlobName, string MimeType, string FileName, long Length, string Sha256);
