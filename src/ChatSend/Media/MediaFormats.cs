using System.Text;
using ChatSend.Send;
using Microsoft.AspNetCore.StaticFiles;

namespace ChatSend.Media;

/// <summary>One accepted file format: its MIME type, extension, and how its first bytes look.</summary>
public sealed record MediaFormat(string MimeType, string Extension, Func<ReadOnlyMemory<byte>, bool> Matches);

/// <summary>
/// The formats each message type accepts, in one place, for files sent and received alike. Images, videos, voice notes,
/// stickers and audio must be one of them and their first bytes must match; documents may be any type, and a PDF must
/// start like one.
/// </summary>
public static class MediaFormats
{
    /// <summary>Bytes needed to recognise every format below.</summary>
    public const int SignatureLength = 64;

    public static readonly MediaFormat Jpeg = new("image/jpeg", ".jpg", b => StartsWith(b, 0, [0xFF, 0xD8, 0xFF]));
    public static readonly MediaFormat Png = new("image/png", ".png", b => StartsWith(b, 0, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]));
    public static readonly MediaFormat Webp = new("image/webp", ".webp", b => Ascii(b, 0, "RIFF") && Ascii(b, 8, "WEBP"));
    public static readonly MediaFormat Gif = new("image/gif", ".gif", b => Ascii(b, 0, "GIF87a") || Ascii(b, 0, "GIF89a"));
    public static readonly MediaFormat Mp4 = new("video/mp4", ".mp4", b => Ftyp(b) is { } brand && !brand.StartsWith("3g", StringComparison.Ordinal));
    public static readonly MediaFormat ThreeGpp = new("video/3gpp", ".3gp", b => Ftyp(b) is { } brand && brand.StartsWith("3g", StringComparison.Ordinal));
    public static readonly MediaFormat OggOpus = new("audio/ogg", ".ogg", b => Ascii(b, 0, "OggS") && Ascii(b, 28, "OpusHead"));
    public static readonly MediaFormat Mp3 = new("audio/mpeg", ".mp3", b => Ascii(b, 0, "ID3") || (b.Length >= 2 && b.Span[0] == 0xFF && (b.Span[1] & 0xE6) is 0xE2 or 0xE4 or 0xE6));
    public static readonly MediaFormat Aac = new("audio/aac", ".aac", b => b.Length >= 2 && b.Span[0] == 0xFF && (b.Span[1] & 0xF6) == 0xF0);
    public static readonly MediaFormat M4a = new("audio/mp4", ".m4a", b => Ftyp(b) is "M4A " or "M4B " or "isom" or "mp42");
    public static readonly MediaFormat Amr = new("audio/amr", ".amr", b => Ascii(b, 0, "#!AMR"));
    public static readonly MediaFormat Pdf = new("application/pdf", ".pdf", b => Ascii(b, 0, "%PDF-"));

    private static readonly Dictionary<MessageType, MediaFormat[]> ByType = new()
    {
        [MessageType.Image] = [Jpeg, Png, Webp, Gif],
        [MessageType.Video] = [Mp4, ThreeGpp],
        [MessageType.Ptt] = [OggOpus, Mp3, Aac, M4a],
        [MessageType.Document] = [Pdf],
        // Only customers send these (inbound): WhatsApp's stickers are WebP; its audio files also come as AMR.
        [MessageType.Sticker] = [Webp],
        [MessageType.Audio] = [OggOpus, Mp3, Aac, M4a, Amr],
    };

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["image/jpg"] = "image/jpeg",
        ["image/pjpeg"] = "image/jpeg",
        ["video/3gp"] = "video/3gpp",
        ["audio/opus"] = "audio/ogg",
        ["audio/mp3"] = "audio/mpeg",
        ["audio/x-aac"] = "audio/aac",
        ["audio/m4a"] = "audio/mp4",
        ["audio/x-m4a"] = "audio/mp4",
    };

    private static readonly FileExtensionContentTypeProvider Extensions = new();

    /// <summary>The formats a type accepts; documents accept others too (<see cref="IsOpen"/>).</summary>
    public static IReadOnlyList<MediaFormat> For(MessageType type) => ByType.GetValueOrDefault(type, []);

    /// <summary>Documents may be of any type; the others only of their listed formats.</summary>
    public static bool IsOpen(MessageType type) => type == MessageType.Document;

    /// <summary>Lower case, parameters dropped, common aliases mapped: "Audio/X-M4A; x=y" → "audio/mp4".</summary>
    public static string Normalise(string mimeType)
    {
        var bare = mimeType.Split(';')[0].Trim().ToLowerInvariant();
        return Aliases.GetValueOrDefault(bare, bare);
    }

    public static MediaFormat? Find(MessageType type, string mimeType) =>
        For(type).FirstOrDefault(f => f.MimeType == Normalise(mimeType));

    /// <summary>The first accepted format whose signature the bytes carry.</summary>
    public static MediaFormat? Detect(MessageType type, ReadOnlyMemory<byte> head) => For(type).FirstOrDefault(f => f.Matches(head));

    public static string? FromExtension(string path) =>
        Extensions.TryGetContentType(path, out var mime) ? Normalise(mime) : null;

    /// <summary>A file extension for a MIME type, for default file names.</summary>
    public static string ExtensionFor(string mimeType) =>
        ByType.Values.SelectMany(f => f).FirstOrDefault(f => f.MimeType == mimeType)?.Extension
        ?? Extensions.Mappings.FirstOrDefault(m => m.Value == mimeType).Key
        ?? ".bin";

    private static bool StartsWith(ReadOnlyMemory<byte> bytes, int offset, ReadOnlySpan<byte> expected) =>
        bytes.Length >= offset + expected.Length && bytes.Span.Slice(offset, expected.Length).SequenceEqual(expected);

    private static bool Ascii(ReadOnlyMemory<byte> bytes, int offset, string expected) =>
        StartsWith(bytes, offset, Encoding.ASCII.GetBytes(expected));

    /// <summary>The major brand of an ISO base media file (MP4, 3GP, M4A): "ftyp" at offset 4, brand after it.</summary>
    private static string? Ftyp(ReadOnlyMemory<byte> bytes) =>
        Ascii(bytes, 4, "ftyp") && bytes.Length >= 12 ? Encoding.ASCII.GetString(bytes.Span.Slice(8, 4)) : null;
}
