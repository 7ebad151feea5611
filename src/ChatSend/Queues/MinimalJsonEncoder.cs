using System.Text.Encodings.Web;

namespace ChatSend.Queues;

/// <summary>
/// JSON text with every character as itself except what JSON itself requires escaped (quote, backslash, control
/// characters) and broken surrogates. The built-in encoders escape every character outside the Basic Multilingual
/// Plane, so an emoji costs 12 bytes (<c>\uD83D\uDE00</c>) instead of 4, and a 4,096-emoji message's event would not fit
/// a queue message. For queue messages and event bodies only: never for HTML or script.
/// </summary>
public sealed class MinimalJsonEncoder : JavaScriptEncoder
{
    public static MinimalJsonEncoder Instance { get; } = new();

    private MinimalJsonEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => 6; // \uXXXX

    public override bool WillEncode(int unicodeScalar) =>
        unicodeScalar < 0x20 || unicodeScalar is '"' or '\\' || unicodeScalar is >= 0xD800 and <= 0xDFFF || unicodeScalar > 0x10FFFF;

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (var i = 0; i < textLength; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < textLength && char.IsLowSurrogate(text[i + 1]))
            {
                i++; // a whole pair is written as itself
                continue;
            }
            if (WillEncode(c))
                return i;
        }
        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        numberOfCharactersWritten = 0;
        if (!WillEncode(unicodeScalar))
        {
            var text = char.ConvertFromUtf32(unicodeScalar);
            if (bufferLength < text.Length)
                return false;
            for (var i = 0; i < text.Length; i++)
                buffer[i] = text[i];
            numberOfCharactersWritten = text.Length;
            return true;
        }
        if (bufferLength < 6)
            return false;
        var hex = ((ushort)unicodeScalar).ToString("X4");
        buffer[0] = '\\';
        buffer[1] = 'u';
        for (var i = 0; i < 4; i++)
            buffer[2 + i] = hex[i];
        numberOfCharactersWritten = 6;
        return true;
    }
}
