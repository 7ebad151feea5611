using System.Text;
using ChatSend.Messages;

namespace ChatSend.Tests.Infrastructure;

/// <summary>What a fuzzed request may get back besides a 202 or a problem of ChatSend's.</summary>
public enum FuzzAnswer
{
    /// <summary>ChatSend reads the request: any 4xx is problem details.</summary>
    Problem,

    /// <summary>
    /// Kestrel may refuse the request before ChatSend sees it, with a bare 400, 414 or 431, or with no answer at all:
    /// it takes a half-closed socket for the client leaving, and closing on bytes it did not read resets the
    /// connection, which may discard its answer.
    /// </summary>
    ServerMayRefuse,
}

/// <summary>One generated request, as the bytes to put on the socket.</summary>
public sealed record FuzzRequest(int Number, string Shape, byte[] Bytes, FuzzAnswer Answer, int? Expected = null, bool HalfClose = false)
{
    public override string ToString()
    {
        var text = Encoding.UTF8.GetString(Bytes);
        var head = text.IndexOf("\r\n\r\n", StringComparison.Ordinal) is var end and > 0 ? text[(end + 4)..] : text;
        var shown = new string(head.Take(300).Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '·' : c).ToArray());
        return $"#{Number} {Shape} ({Bytes.Length} bytes{(HalfClose ? ", half-closed" : "")}): {shown}";
    }
}

/// <summary>
/// Generates <c>POST /send</c> requests from a seed, the same ones for the same seed: JSON of random shapes, fields of
/// the wrong type, text from every corner of Unicode (lone surrogates escaped and raw, bytes that are not UTF-8,
/// invisible characters, marks, emoji), values on both sides of every limit, bodies around 64 KiB, odd headers and
/// broken framing. Most use a valid key and session, so that validation is what is exercised; media URLs point at a
/// closed port on 127.0.0.1, so a fetch fails at once.
/// </summary>
public sealed class SendFuzzer(int seed, Uri server, string session, string key)
{
    public const int MaxBody = 64 * 1024;
    private const string MediaBase = "http://127.0.0.1:1/";

    private static readonly string[] MediaFields = ["imageUrl", "videoUrl", "documentUrl", "audioUrl"];
    private static readonly string[] Recipients = ["+12025550123", "1 (202) 555-0123", "120363025246125486@g.us", "12025550123@s.whatsapp.net", "+442079460958"];
    private static readonly string[] MimeTypes = ["image/jpeg", "video/mp4", "audio/ogg", "application/pdf", "image/*", "text/plain; charset=utf-8", "jpeg", ""];

    private static readonly (int From, int To)[][] Pools =
    [
        [(0x20, 0x7E)],
        [(0xA0, 0x24F), (0x370, 0x52F)],
        [(0x4E00, 0x9FFF), (0xAC00, 0xD7A3)],
        [(0x590, 0x6FF), (0x200E, 0x200F), (0x202A, 0x202E)],
        [(0x300, 0x36F), (0x20D0, 0x20FF)],
        [(0x1F300, 0x1FAFF), (0x1F3FB, 0x1F3FF), (0x200D, 0x200D), (0xFE0F, 0xFE0F)],
        [(0x200B, 0x200D), (0x2060, 0x2060), (0xFEFF, 0xFEFF), (0x115F, 0x1160), (0x3164, 0x3164), (0xFFA0, 0xFFA0), (0x2800, 0x2800), (0xAD, 0xAD), (0xE0020, 0xE007F)],
        [(0x0, 0x1F), (0x7F, 0x9F), (0x2028, 0x2029)],
        [(0xD800, 0xDFFF)],
        [(0x10000, 0x10FFFF), (0xFFFE, 0xFFFF), (0xE000, 0xF8FF)],
    ];

    private static readonly byte[][] NotUtf8 = [[0xFF], [0xFE], [0x80], [0xC0, 0xAF], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]];

    private readonly Random _random = new(seed);

    public IReadOnlyList<FuzzRequest> Generate(int count) => [.. Enumerable.Range(1, count).Select(Next)];

    private FuzzRequest Next(int number) => _random.Next(100) switch
    {
        < 55 => Framed(number, "fields", MutatedMessage()),
        < 67 => Framed(number, "shape", RandomShape()),
        < 79 => Framed(number, "limit", AtALimit()),
        < 85 => AroundTheBodyLimit(number),
        < 91 => OddHeaders(number),
        _ => BrokenFraming(number),
    };

    // ---- framing -------------------------------------------------------------------------------------------------

    private byte[] Post(string headers, byte[] body) => RawHttp.Post(server, key, headers, body);

    private FuzzRequest Framed(int number, string shape, byte[] body, string? contentType = "application/json", int? expected = null)
    {
        var type = contentType is null ? "" : $"Content-Type: {contentType}\r\n";
        var bytes = _random.Next(5) == 0
            ? Post(type + "Transfer-Encoding: chunked\r\n", Chunks(body))
            : Post(type + $"Content-Length: {body.Length}\r\n", body);
        return new FuzzRequest(number, shape, bytes, FuzzAnswer.Problem, expected);
    }

    private byte[] Chunks(byte[] body)
    {
        var result = new List<byte>();
        for (var at = 0; at < body.Length;)
        {
            var size = Math.Min(body.Length - at, 1 + _random.Next(Math.Max(1, body.Length / 3)));
            result.AddRange(Ascii($"{size:x}{(_random.Next(8) == 0 ? ";ext=1" : "")}\r\n"));
            result.AddRange(body.AsSpan(at, size).ToArray());
            result.AddRange("\r\n"u8.ToArray());
            at += size;
        }
        result.AddRange("0\r\n\r\n"u8.ToArray());
        return [.. result];
    }

    private FuzzRequest AroundTheBodyLimit(int number)
    {
        var size = Pick([MaxBody - 1, MaxBody, MaxBody + 1, MaxBody + 1 + _random.Next(100_000)]);
        var body = Pad(Obj([(Quoted("session"), Str(session)), (Quoted("to"), Str(Pick(Recipients))), (Quoted("text"), Str(Text(_random.Next(1, 100))))]), size);
        return Framed(number, $"body of {size} bytes", body, expected: size > MaxBody ? 413 : null);
    }

    /// <summary>The message with an unknown field of spaces that makes it exactly <paramref name="size"/> bytes.</summary>
    private static byte[] Pad(byte[] message, int size)
    {
        var head = message[..^1].Concat(Ascii(",\"pad\":\"")).ToArray();
        return [.. head, .. Enumerable.Repeat((byte)' ', size - head.Length - 2), .. "\"}"u8.ToArray()];
    }

    private FuzzRequest OddHeaders(int number)
    {
        var body = Message();
        var (shape, contentType, authorization) = _random.Next(9) switch
        {
            0 => ("no content type", null, $"Bearer {key}"),
            1 => ("text/plain", "text/plain", $"Bearer {key}"),
            2 => ("json with charset", "application/json; charset=utf-8", $"Bearer {key}"),
            3 => ("+json", "application/vnd.chatsend+json", $"Bearer {key}"),
            4 => ("content type not parseable", "application/json;;=", $"Bearer {key}"),
            5 => ("no key", "application/json", null),
            6 => ("malformed key", "application/json", "Bearer " + new string(Text(10).Select(c => char.IsControl(c) ? 'x' : c).ToArray())),
            7 => ("unknown key", "application/json", "Bearer cs_0000000000000000_" + new string('0', 64)),
            _ => ("scheme in lower case", "application/json", $"bearer {key}"),
        };
        var headers = (contentType is null ? "" : $"Content-Type: {contentType}\r\n")
                      + (authorization is null ? "" : $"Authorization: {authorization}\r\n")
                      + $"Content-Length: {body.Length}\r\n";
        return new FuzzRequest(number, shape, RawHttp.Post(server, key: null, headers, body), FuzzAnswer.Problem);
    }

    private FuzzRequest BrokenFraming(int number)
    {
        var body = Message();
        var json = "Content-Type: application/json\r\n";
        var length = body.Length;
        return _random.Next(12) switch
        {
            0 => new(number, "bad chunk size", Post(json + "Transfer-Encoding: chunked\r\n", [.. Ascii("zz\r\n"), .. body]), FuzzAnswer.Problem, 400),
            1 => new(number, "overflowing chunk size", Post(json + "Transfer-Encoding: chunked\r\n", [.. Ascii("fffffffffffff\r\n"), .. body]), FuzzAnswer.Problem, 400),
            2 => new(number, "bad chunk suffix", Post(json + "Transfer-Encoding: chunked\r\n", [.. Ascii($"{length:x}\r\n"), .. body, .. Ascii("XX0\r\n\r\n")]), FuzzAnswer.Problem, 400),
            3 => new(number, "Content-Length and Transfer-Encoding", Post(json + $"Content-Length: {_random.Next(length + 10)}\r\nTransfer-Encoding: chunked\r\n", Chunks(body)), FuzzAnswer.Problem, 400),
            4 => new(number, "Transfer-Encoding not ending in chunked", Post(json + "Transfer-Encoding: gzip\r\n", body), FuzzAnswer.ServerMayRefuse, 400),
            5 => new(number, "two Content-Lengths", Post(json + $"Content-Length: {length}\r\nContent-Length: {length + 1}\r\n", body), FuzzAnswer.ServerMayRefuse, 400),
            6 => new(number, "Content-Length not a number", Post(json + $"Content-Length: {Pick(["-1", "0x10", "1e3", "99999999999999999999", ""])}\r\n", body), FuzzAnswer.ServerMayRefuse, 400),
            7 => new(number, "body longer than Content-Length", Post(json + $"Content-Length: {_random.Next(length)}\r\n", body), FuzzAnswer.Problem),
            8 => new(number, "body shorter than Content-Length, half-closed", Post(json + $"Content-Length: {length + 1 + _random.Next(100)}\r\n", body), FuzzAnswer.ServerMayRefuse, HalfClose: true),
            9 => new(number, "chunks cut short, half-closed", Post(json + "Transfer-Encoding: chunked\r\n", Chunks(body)[..^5]), FuzzAnswer.ServerMayRefuse, HalfClose: true),
            10 => _random.Next(4) == 0
                ? new(number, "body stalls", Post(json + $"Content-Length: {length}\r\n", body[..Math.Min(10, length - 1)]), FuzzAnswer.Problem, 408)
                : new(number, "header with control bytes", Post(json + $"X-Note: {Text(8)}\r\nContent-Length: {length}\r\n", body), FuzzAnswer.ServerMayRefuse),
            _ => new(number, "bytes that are not HTTP", [.. Ascii("POST /send HTTP/1.1\r\n"), .. RandomBytes(200), .. Ascii("\r\n\r\n")], FuzzAnswer.ServerMayRefuse),
        };
    }

    // ---- bodies --------------------------------------------------------------------------------------------------

    /// <summary>A message ChatSend would accept: text, or media from a closed port.</summary>
    private byte[] Message() => Obj(BaseMembers());

    private List<(byte[] Name, byte[] Value)> BaseMembers()
    {
        var members = new List<(byte[], byte[])> { (Quoted("session"), Str(session)), (Quoted("to"), Str(Pick(Recipients))) };
        if (_random.Next(3) > 0)
        {
            members.Add((Quoted("text"), Str("hello " + Text(_random.Next(20)))));
            if (_random.Next(3) == 0)
                members.Add((Quoted("preview"), Preview()));
        }
        else
        {
            members.Add((Quoted(Pick(MediaFields)), Str(MediaBase + "file.bin")));
            if (_random.Next(2) == 0)
                members.Add((Quoted("filename"), Str("report.pdf")));
        }
        return members;
    }

    /// <summary>A message with one to three changes: a field removed, set to a mutated or random value, repeated, or an unknown one added.</summary>
    private byte[] MutatedMessage()
    {
        var members = BaseMembers();
        for (var i = _random.Next(1, 4); i > 0; i--)
        {
            var name = Pick(["session", "to", "text", "mimetype", "filename", "preview", "replyTo", .. MediaFields]);
            switch (_random.Next(16))
            {
                case 0:
                    members.RemoveAll(m => Is(m.Name, name));
                    break;
                case 1:
                    members.Add((Str(Text(_random.Next(1, 12))), RandomValue(3)));
                    break;
                case 2 when members.Count > 0:
                    members.Add(members[_random.Next(members.Count)]);
                    break;
                case 3:
                    Set(members, name, RandomValue(2));
                    break;
                default:
                    Set(members, name, Mutated(name));
                    break;
            }
        }
        Shuffle(members);
        return Obj(members);
    }

    private void Set(List<(byte[] Name, byte[] Value)> members, string name, byte[] value)
    {
        members.RemoveAll(m => Is(m.Name, name));
        members.Add((Name(name), value));
    }

    private static bool Is(byte[] jsonName, string name)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<string>(jsonName) == name;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private byte[] Mutated(string field) => field switch
    {
        "session" => StringLike(session, 64, Letters),
        "to" => StringLike(Pick(Recipients), 32, Letters),
        "text" => StringLike("hello", 4096, Runes),
        "mimetype" => StringLike(Pick(MimeTypes), 127, Letters),
        "filename" => StringLike("report.pdf", 255, Letters),
        "preview" => _random.Next(3) == 0 ? RandomValue(2) : Preview(),
        // A message id of the session that may or may not exist: a point read, then 400 naming replyTo.
        "replyTo" => StringLike(new MessageId(session, MessageId.TimePrefix(DateTimeOffset.UnixEpoch.AddSeconds(_random.Next()))
            + string.Concat(Enumerable.Range(0, 10).Select(_ => "abcdefghijklmnopqrstuvwxyz234567"[_random.Next(32)]))).Value, 64, Letters),
        _ => StringLike(MediaBase + "a.jpg", 2048, Url),
    };

    private byte[] StringLike(string valid, int limit, Func<int, string> ofLength) => _random.Next(10) switch
    {
        0 => RandomValue(2),
        1 => Str(Text(_random.Next(12))),
        2 => Str(valid.Insert(_random.Next(valid.Length + 1), ((char)_random.Next(0xD800, 0xE000)).ToString())),
        3 => WithBytesThatAreNotUtf8(Str(valid)),
        4 or 5 => Str(ofLength(limit + _random.Next(-1, 2))),
        6 => Str(Invisible()),
        7 => Str(""),
        _ => Str(valid),
    };

    /// <summary>A message with one value just under, at or just over its limit.</summary>
    private byte[] AtALimit()
    {
        var by = _random.Next(-1, 2);
        var text = (Quoted("text"), Str("hello"));
        (byte[] Name, byte[] Value)[] fields = _random.Next(7) switch
        {
            0 => [(Quoted("session"), Str(Letters(64 + by))), text],
            1 => [(Quoted("text"), Str(Runes(4096 + by)))],
            2 => [(Quoted(Pick(MediaFields)), Str(Url(2048 + by)))],
            3 => [(Quoted("documentUrl"), Str(MediaBase + "file.bin")), (Quoted("filename"), Str(Letters(251 + by) + ".pdf"))],
            4 => [text, (Quoted("preview"), Preview(fields: 16 + by))],
            5 => [text, (Quoted("preview"), Obj([(Quoted("title"), Str(Letters(2048 + by)))]))],
            _ => [(Quoted("to"), Str(new string('1', 17 + by))), text],
        };
        var members = new List<(byte[] Name, byte[] Value)> { (Quoted("session"), Str(session)), (Quoted("to"), Str(Pick(Recipients))) };
        members.RemoveAll(m => fields.Any(f => f.Name.SequenceEqual(m.Name)));
        members.AddRange(fields);
        return Obj(members);
    }

    private byte[] Preview(int? fields = null)
    {
        var count = fields ?? Pick([0, 1, 3, 15, 16, 17]);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var members = new List<(byte[], byte[])>();
        while (members.Count < count)
        {
            var name = _random.Next(4) == 0 ? Text(_random.Next(1, 8)) : Pick(["title", "description", "image", "url", $"f{members.Count}"]);
            if (names.Add(name))
                members.Add((Str(name), _random.Next(4) == 0 ? Mutated("text") : Str(Text(_random.Next(30)))));
        }
        return Obj(members);
    }

    private byte[] RandomShape() => _random.Next(10) switch
    {
        0 => Arr(Enumerable.Range(0, _random.Next(4)).Select(_ => RandomValue(2))),
        1 => RandomNumber(),
        2 => Str(Text(_random.Next(20))),
        3 => Ascii(Pick(["null", "true", "false", "{}", "[]", "\"\""])),
        4 => Truncated(MutatedMessage()),
        5 => RandomBytes(_random.Next(300)),
        6 => Nested(60 + _random.Next(10)),
        7 => [0xEF, 0xBB, 0xBF, .. Message()],
        8 => [],
        _ => Ascii("{\"session\":\"x\" /* comment */, \"to\": 'single', text: hello,}"),
    };

    private byte[] RandomValue(int depth) => _random.Next(depth > 0 ? 9 : 6) switch
    {
        0 => RandomNumber(),
        1 => Ascii(Pick(["true", "false", "null"])),
        2 => Str(Text(_random.Next(10))),
        3 => WithBytesThatAreNotUtf8(Str(Text(_random.Next(6)))),
        4 => Str(Invisible()),
        5 => Ascii(Pick(["{}", "[]"])),
        6 => Arr(Enumerable.Range(0, _random.Next(4)).Select(_ => RandomValue(depth - 1))),
        7 => Obj(Enumerable.Range(0, _random.Next(4)).Select(_ => (Str(Text(_random.Next(1, 6))), RandomValue(depth - 1)))),
        _ => Nested(_random.Next(5, 70)),
    };

    private byte[] Truncated(byte[] json) => json[.._random.Next(json.Length)];

    private byte[] RandomNumber() => Ascii(Pick(["0", "-1", "42", "3.14", "1e999", "-0", "12345678901234567890123", "1E-400", "0.0000001"]));

    private static byte[] Nested(int depth) => Ascii(string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth));

    // ---- text ----------------------------------------------------------------------------------------------------

    /// <summary>Random text, mostly from one corner of Unicode with others mixed in, lone surrogates included.</summary>
    private string Text(int length)
    {
        var text = new StringBuilder();
        var pool = _random.Next(Pools.Length);
        while (text.Length < length)
        {
            var ranges = Pools[_random.Next(4) == 0 ? _random.Next(Pools.Length) : pool];
            var (from, to) = ranges[_random.Next(ranges.Length)];
            var value = _random.Next(from, to + 1);
            text.Append(value is >= 0xD800 and <= 0xDFFF ? ((char)value).ToString() : char.ConvertFromUtf32(value));
        }
        return text.ToString();
    }

    private string Invisible() => string.Concat(Enumerable.Range(0, _random.Next(1, 6))
        .Select(_ => Pick(["\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u115F", "\u1160", "\u3164", "\uFFA0", "\u2800", " ", "\t", "\u0301", "\U000E0020", "\u00AD"])));

    private static string Letters(int length) => new('a', Math.Max(0, length));

    private string Runes(int count) => string.Concat(Enumerable.Range(0, count).Select(_ => Pick(["a", "é", "😀", "中"])));

    private static string Url(int length) => MediaBase + new string('a', Math.Max(0, length - MediaBase.Length));

    /// <summary>A JSON string of the text: lone surrogates escaped, or raw as three bytes that are not UTF-8; sometimes every non-ASCII character escaped.</summary>
    private byte[] Str(string text)
    {
        var escapeAll = _random.Next(4) == 0;
        var rawSurrogates = _random.Next(2) == 0;
        var bytes = new List<byte> { (byte)'"' };
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                bytes.AddRange(escapeAll ? Ascii($"\\u{(int)c:x4}\\u{(int)text[i + 1]:x4}") : Encoding.UTF8.GetBytes(text.Substring(i, 2)));
                i++;
            }
            else if (char.IsSurrogate(c))
                bytes.AddRange(rawSurrogates ? [(byte)(0xE0 | (c >> 12)), (byte)(0x80 | ((c >> 6) & 0x3F)), (byte)(0x80 | (c & 0x3F))] : Ascii($"\\u{(int)c:x4}"));
            else if (c is '"' or '\\' || c < 0x20 || (escapeAll && c > 0x7E))
                bytes.AddRange(Ascii($"\\u{(int)c:x4}"));
            else
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
        }
        bytes.Add((byte)'"');
        return [.. bytes];
    }

    private static byte[] Quoted(string name) => Ascii($"\"{name}\"");

    /// <summary>A property name, sometimes with every character escaped.</summary>
    private byte[] Name(string name) =>
        _random.Next(10) == 0 ? Ascii("\"" + string.Concat(name.Select(c => $"\\u{(int)c:x4}")) + "\"") : Ascii($"\"{name}\"");

    private byte[] WithBytesThatAreNotUtf8(byte[] jsonString)
    {
        var at = _random.Next(2) == 0 ? 1 : jsonString.Length - 1;
        return [.. jsonString[..at], .. Pick(NotUtf8), .. jsonString[at..]];
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    // ---- JSON pieces ---------------------------------------------------------------------------------------------

    private static byte[] Obj(IEnumerable<(byte[] Name, byte[] Value)> members) =>
        [.. "{"u8.ToArray(), .. Join(members.Select(m => (byte[])[.. m.Name, (byte)':', .. m.Value])), .. "}"u8.ToArray()];

    private static byte[] Arr(IEnumerable<byte[]> items) => [.. "["u8.ToArray(), .. Join(items), .. "]"u8.ToArray()];

    private static byte[] Join(IEnumerable<byte[]> parts) => [.. parts.SelectMany((p, i) => i == 0 ? p : [(byte)',', .. p])];

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];

    private void Shuffle<T>(List<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = _random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
