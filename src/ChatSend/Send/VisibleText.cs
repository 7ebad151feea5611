using System.Globalization;
using System.Text;

namespace ChatSend.Send;

/// <summary>
/// Whether text shows anything. Text made only of whitespace, control and format characters (zero-width spaces and
/// joiners, word joiner, byte order mark, bidi marks), fillers that render blank (Hangul fillers, the braille blank)
/// and combining marks with no letter to sit on is refused as if it were empty.
/// </summary>
public static class VisibleText
{
    public static bool IsEmpty(string? text) => text is null || text.EnumerateRunes().All(IsInvisible);

    private static bool IsInvisible(Rune rune) =>
        Rune.IsWhiteSpace(rune)
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
        || rune.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800;
}
