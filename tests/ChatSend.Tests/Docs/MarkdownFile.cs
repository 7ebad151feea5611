using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ChatSend.Tests.Docs;

/// <summary>
/// A Markdown page of the repository, read as GitHub renders it: its headings with the anchors GitHub gives them, and
/// the targets of its inline links. Fenced code blocks and inline code are not Markdown, so links and headings inside
/// them are left out.
/// </summary>
public sealed partial class MarkdownFile
{
    private MarkdownFile(string path, IReadOnlyList<Heading> headings, IReadOnlyList<Link> links)
    {
        FullPath = path;
        Headings = headings;
        Links = links;
        Anchors = headings.Select(h => h.Anchor).ToHashSet(StringComparer.Ordinal);
    }

    public sealed record Heading(int Line, string Text, string Anchor);

    public sealed record Link(int Line, string Target);

    public string FullPath { get; }

    public IReadOnlyList<Heading> Headings { get; }

    public IReadOnlySet<string> Anchors { get; }

    public IReadOnlyList<Link> Links { get; }

    public static MarkdownFile Read(string path)
    {
        var headings = new List<Heading>();
        var links = new List<Link>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        string? fence = null;
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (fence is not null)
            {
                if (trimmed.StartsWith(fence, StringComparison.Ordinal))
                    fence = null;
                continue;
            }
            if (FenceStart().Match(trimmed) is { Success: true } opening)
            {
                fence = opening.Value;
                continue;
            }
            var text = InlineCode().Replace(lines[i], "");
            if (HeadingLine().Match(lines[i]) is { Success: true } heading)
            {
                var anchor = Slug(heading.Groups["text"].Value);
                // GitHub numbers repeated anchors: the second "Errors" heading is #errors-1.
                var repeats = seen.GetValueOrDefault(anchor);
                seen[anchor] = repeats + 1;
                headings.Add(new Heading(i + 1, heading.Groups["text"].Value, repeats == 0 ? anchor : $"{anchor}-{repeats}"));
            }
            foreach (Match link in InlineLink().Matches(text))
                links.Add(new Link(i + 1, link.Groups["target"].Value));
        }
        return new MarkdownFile(path, headings, links);
    }

    /// <summary>
    /// The anchor GitHub gives a heading: the rendered text (code without its backticks, a link as its text), lower
    /// case, every character dropped but letters, digits, marks, <c>_</c>, <c>-</c> and spaces, and each space made a <c>-</c>.
    /// </summary>
    public static string Slug(string heading)
    {
        var rendered = MarkdownLinkText().Replace(heading, "${text}").Replace("`", "", StringComparison.Ordinal).Replace("*", "", StringComparison.Ordinal);
        var slug = new StringBuilder();
        foreach (var c in rendered.Trim().ToLowerInvariant())
        {
            var category = char.GetUnicodeCategory(c);
            if (char.IsLetterOrDigit(c) || c is '-' or '_' || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
                    or UnicodeCategory.EnclosingMark or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber)
                slug.Append(c);
            else if (c == ' ')
                slug.Append('-');
        }
        return slug.ToString();
    }

    [GeneratedRegex(@"^(`{3,}|~{3,})")]
    private static partial Regex FenceStart();

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.*?)\s*#*\s*$")]
    private static partial Regex HeadingLine();

    // Inline code, one or more backticks on each side: what it holds is not a link.
    [GeneratedRegex(@"(?<ticks>`+)(?<code>.+?)\k<ticks>")]
    private static partial Regex InlineCode();

    // [text](target) and ![alt](target), with an optional "title".
    [GeneratedRegex(@"\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex MarkdownLinkText();
}
