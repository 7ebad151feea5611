using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace ChatSend.Media;

/// <summary>Attachment names that are safe in a Content-Disposition header and on a recipient's disk.</summary>
public static class FileNames
{
    public const int MaxLength = 255;

    /// <summary>
    /// Keeps the last path segment, drops control characters, quotes and characters that are unsafe in file
    /// names, and trims dots and spaces; null when nothing usable is left.
    /// </summary>
    public static string? Sanitise(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
            return null;
        var last = name.Split('/', '\\').Last();
        var clean = new StringBuilder(last.Length);
        foreach (var rune in last.EnumerateRunes())
        {
            if (Rune.IsControl(rune) || rune.Value is '"' or '<' or '>' or ':' or '|' or '?' or '*' or ';'
                || Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.Format)
                continue;
            clean.Append(rune.ToString());
        }
        var result = clean.ToString().Trim().Trim('.', ' ');
        if (result.Length > MaxLength)
        {
            var extension = Path.GetExtension(result);
            result = extension.Length is > 0 and <= 16
                ? Cut(result, MaxLength - extension.Length) + extension
                : Cut(result, MaxLength);
        }
        return result.Length == 0 ? null : result;
    }

    /// <summary>
    /// The longest start of the text, at most <paramref name="length"/> UTF-16 units, that ends between two graphemes, so
    /// neither a surrogate pair nor a letter and its combining marks are split; between two characters when the first
    /// grapheme alone is longer.
    /// </summary>
    public static string Cut(string text, int length)
    {
        if (text.Length <= length)
            return text;
        var end = 0;
        for (int next; end < text.Length && end + (next = StringInfo.GetNextTextElementLength(text.AsSpan(end))) <= length;)
            end += next;
        if (end == 0)
            end = char.IsLowSurrogate(text[length]) ? length - 1 : length;
        return text[..end];
    }

    /// <summary>The client's name, else the server's Content-Disposition, else the URL's last segment, else the message id.</summary>
    public static string Choose(string? requested, ContentDispositionHeaderValue? disposition, Uri url, string messageId, string mimeType) =>
        Choose([requested, disposition?.FileNameStar ?? disposition?.FileName?.Trim('"'), LastSegment(url)], messageId, mimeType);

    /// <summary>The first of <paramref name="names"/> that is usable once sanitised, else the message id with the type's extension.</summary>
    public static string Choose(IEnumerable<string?> names, string messageId, string mimeType) =>
        names.Select(Sanitise).FirstOrDefault(n => n is not null) ?? messageId + MediaFormats.ExtensionFor(mimeType);

    /// <summary>The URL's last path segment, unescaped.</summary>
    public static string LastSegment(Uri url) => Uri.UnescapeDataString(url.AbsolutePath.Split('/').Last());

    /// <summary>A Content-Disposition value naming the file, with an ASCII fallback for old clients.</summary>
    public static string Disposition(string fileName)
    {
        var ascii = new string(fileName.Select(c => c is >= ' ' and < (char)127 and not ('\\' or '"') ? c : '_').ToArray());
        return new ContentDispositionHeaderValue("attachment") { FileName = $"\"{ascii}\"", FileNameStar = fileName }.ToString();
    }
}
