using System.Text.Json;
using ChatSend.Send;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.Unit;

public class SendRequestValidationTests
{
    private static (SendCommand? Command, IReadOnlyDictionary<string, string[]> Errors) Validate(string json) =>
        Validate(System.Text.Encoding.UTF8.GetBytes(json));

    private static (SendCommand? Command, IReadOnlyDictionary<string, string[]> Errors) Validate(byte[] json)
    {
        var read = SendRequestReader.Read(json, DateTimeOffset.UtcNow);
        var errors = read.Problem?.ProblemDetails is Microsoft.AspNetCore.Http.HttpValidationProblemDetails problem
            ? problem.Errors.AsReadOnly()
            : new Dictionary<string, string[]>().AsReadOnly();
        Assert.True(read.Value is not null || errors.Count > 0, "a refusal names at least one field");
        return (read.Value, errors);
    }

    private static string Body(object fields) => JsonSerializer.Serialize(fields);

    private static void AssertOnlyError(string json, string field)
    {
        var (command, errors) = Validate(json);
        Assert.Null(command);
        Assert.Equal([field], errors.Keys);
    }

    [Fact]
    public void TextMessageIsAcceptedWithNormalisedRecipient()
    {
        var (command, errors) = Validate("""{"session":"s1","to":"+1 (202) 555-0123","text":"Hello"}""");
        Assert.Empty(errors);
        Assert.Equal(MessageType.Text, command!.Type);
        Assert.Equal("+12025550123", command.To.Value);
        Assert.Equal("Hello", command.Text);
        Assert.Null(command.Media);
    }

    [Theory]
    [InlineData("imageUrl", "image")]
    [InlineData("videoUrl", "video")]
    [InlineData("documentUrl", "document")]
    [InlineData("audioUrl", "ptt")]
    public void MediaFieldSelectsTheType(string field, string type)
    {
        var (command, errors) = Validate(Body(new Dictionary<string, string> { ["session"] = "s1", ["to"] = "12025550123", [field] = "https://example.com/file" }));
        Assert.Empty(errors);
        Assert.Equal(type, command!.Type.ToWire());
        Assert.Equal(field, command.Media!.Field);
        Assert.Equal("https://example.com/file", command.Media.Url.OriginalString);
    }

    [Fact]
    public void TwoMediaFieldsAreAmbiguousAndBothAreNamed()
    {
        var (command, errors) = Validate("""{"session":"s1","to":"12025550123","imageUrl":"https://a.example/x.jpg","audioUrl":"https://a.example/x.ogg"}""");
        Assert.Null(command);
        Assert.Equal(["audioUrl", "imageUrl"], errors.Keys.Order());
        Assert.Contains("only one of", errors["imageUrl"][0]);
    }

    [Theory]
    [InlineData("""{"to":"12025550123","text":"x"}""", "session")]
    [InlineData("""{"session":null,"to":"12025550123","text":"x"}""", "session")]
    [InlineData("""{"session":"","to":"12025550123","text":"x"}""", "session")]
    [InlineData("""{"session":42,"to":"12025550123","text":"x"}""", "session")]
    [InlineData("""{"session":"has space","to":"12025550123","text":"x"}""", "session")]
    [InlineData("""{"session":"s1","text":"x"}""", "to")]
    [InlineData("""{"session":"s1","to":12025550123,"text":"x"}""", "to")]
    [InlineData("""{"session":"s1","to":"12345","text":"x"}""", "to")]
    [InlineData("""{"session":"s1","to":"not a number","text":"x"}""", "to")]
    [InlineData("""{"session":"s1","to":"123@example.com","text":"x"}""", "to")]
    [InlineData("""{"session":"s1","to":"12025550123"}""", "text")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"   "}""", "text")]
    [InlineData("""{"session":"s1","to":"12025550123","text":["x"]}""", "text")]
    [InlineData("""{"session":"s1","to":"12025550123","imageUrl":"not a url"}""", "imageUrl")]
    [InlineData("""{"session":"s1","to":"12025550123","videoUrl":"ftp://example.com/v.mp4"}""", "videoUrl")]
    [InlineData("""{"session":"s1","to":"12025550123","documentUrl":"/relative/doc.pdf"}""", "documentUrl")]
    [InlineData("""{"session":"s1","to":"12025550123","audioUrl":true}""", "audioUrl")]
    [InlineData("""{"session":"s1","to":"12025550123","imageUrl":"https://e.example/a.jpg","mimetype":"video/mp4"}""", "mimetype")]
    [InlineData("""{"session":"s1","to":"12025550123","audioUrl":"https://e.example/a.ogg","mimetype":"image/png"}""", "mimetype")]
    [InlineData("""{"session":"s1","to":"12025550123","imageUrl":"https://e.example/a.jpg","mimetype":"image/*"}""", "mimetype")]
    [InlineData("""{"session":"s1","to":"12025550123","imageUrl":"https://e.example/a.jpg","mimetype":"jpeg"}""", "mimetype")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"x","mimetype":"text/plain"}""", "mimetype")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"x","filename":"a.txt"}""", "filename")]
    [InlineData("""{"session":"s1","to":"12025550123","documentUrl":"https://e.example/a.pdf","filename":""}""", "filename")]
    [InlineData("""{"session":"s1","to":"12025550123","documentUrl":"https://e.example/a.pdf","filename":7}""", "filename")]
    [InlineData("""{"session":"s1","to":"12025550123","audioUrl":"https://e.example/a.ogg","text":"caption"}""", "text")]
    [InlineData("""{"session":"s1","to":"12025550123","imageUrl":"https://e.example/a.jpg","preview":{"title":"t"}}""", "preview")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"x","preview":"title"}""", "preview")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"x","preview":{"title":1}}""", "preview.title")]
    [InlineData("""["session","s1"]""", "body")]
    public void InvalidFieldIsNamed(string json, string field) => AssertOnlyError(json, field);

    [Fact]
    public void DocumentAcceptsAnyMimeTypeAndKeepsFilename()
    {
        var (command, errors) = Validate("""{"session":"s1","to":"12025550123","documentUrl":"https://e.example/r","mimetype":"application/pdf","filename":"report.pdf","text":"Q3"}""");
        Assert.Empty(errors);
        Assert.Equal(("application/pdf", "report.pdf"), (command!.Media!.MimeType, command.Media.FileName));
        Assert.Equal("Q3", command.Text);
    }

    [Fact]
    public void PreviewOnTextIsKept()
    {
        var (command, _) = Validate("""{"session":"s1","to":"12025550123","text":"see https://example.com","preview":{"title":"Example","description":"d"}}""");
        Assert.Equal("Example", command!.Preview!["title"]);
    }

    [Theory]
    [InlineData(4096, true)]
    [InlineData(4097, false)]
    public void TextLimitIs4096Characters(int length, bool valid)
    {
        var (_, errors) = Validate(Body(new { session = "s1", to = "12025550123", text = new string('a', length) }));
        Assert.Equal(valid, !errors.ContainsKey("text"));
    }

    [Theory]
    [InlineData(4096, true)]
    [InlineData(4097, false)]
    public void TextLimitCountsCharactersNotUtf16Units(int emoji, bool valid)
    {
        var text = string.Concat(Enumerable.Repeat("😀", emoji));
        Assert.Equal(emoji * 2, text.Length);
        var (_, errors) = Validate(Body(new { session = "s1", to = "12025550123", text }));
        Assert.Equal(valid, !errors.ContainsKey("text"));
    }

    [Theory]
    [InlineData(4096, true)]
    [InlineData(4097, false)]
    public void CaptionLimitIs4096Characters(int length, bool valid)
    {
        var (_, errors) = Validate(Body(new { session = "s1", to = "12025550123", imageUrl = "https://e.example/a.jpg", text = new string('c', length) }));
        Assert.Equal(valid, !errors.ContainsKey("text"));
    }

    [Theory]
    [InlineData(2048, true)]
    [InlineData(2049, false)]
    public void UrlLimitIs2048Characters(int length, bool valid)
    {
        const string prefix = "https://e.example/";
        var (_, errors) = Validate(Body(new { session = "s1", to = "12025550123", imageUrl = prefix + new string('a', length - prefix.Length) }));
        Assert.Equal(valid, !errors.ContainsKey("imageUrl"));
    }

    [Theory]
    [InlineData(255, true)]
    [InlineData(256, false)]
    public void FilenameLimitIs255Characters(int length, bool valid)
    {
        var (_, errors) = Validate(Body(new { session = "s1", to = "12025550123", documentUrl = "https://e.example/d", filename = new string('f', length) }));
        Assert.Equal(valid, !errors.ContainsKey("filename"));
    }

    [Theory]
    [InlineData(16, true)]
    [InlineData(17, false)]
    public void PreviewTakesAtMost16Fields(int fields, bool valid)
    {
        var preview = Enumerable.Range(0, fields).ToDictionary(i => $"f{i}", i => "v");
        var (_, errors) = Validate(Body(new { session = "s1", to = "12025550123", text = "x", preview }));
        Assert.Equal(valid, !errors.ContainsKey("preview"));
    }

    [Theory]
    [InlineData(2048, true)]
    [InlineData(2049, false)]
    public void PreviewValuesAreAtMost2048Characters(int length, bool valid)
    {
        var (_, errors) = Validate(Body(new { session = "s1", to = "12025550123", text = "x", preview = new { title = new string('t', length) } }));
        Assert.Equal(valid, !errors.ContainsKey("preview.title"));
    }

    [Theory]
    [InlineData(64, true)]
    [InlineData(65, false)]
    public void SessionIdsAreAtMost64Characters(int length, bool valid)
    {
        var (_, errors) = Validate(Body(new { session = new string('s', length), to = "12025550123", text = "x" }));
        Assert.Equal(valid, !errors.ContainsKey("session"));
    }

    [Fact]
    public void NullMediaFieldsCountAsAbsent()
    {
        var (command, errors) = Validate("""{"session":"s1","to":"12025550123","text":"hi","imageUrl":null,"preview":null}""");
        Assert.Empty(errors);
        Assert.Equal(MessageType.Text, command!.Type);
    }

    [Fact]
    public void UnknownFieldsAreIgnoredForForwardCompatibility()
    {
        var (command, errors) = Validate("""{"session":"s1","to":"12025550123","text":"hi","futureField":"msg_x"}""");
        Assert.Empty(errors);
        Assert.NotNull(command);
    }

    [Theory]
    [InlineData("""{"session":"s1","to":"12025550123","text":"x","text":"y"}""")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"x","extra":1,"extra":2}""")]
    public void RepeatedPropertiesMakeTheBodyInvalid(string json) => AssertOnlyError(json, "body");

    [Fact]
    public void PropertyNamesMatchExactly()
    {
        var (command, errors) = Validate("""{"Session":"s1","to":"12025550123","text":"hi"}""");
        Assert.Null(command);
        Assert.Equal(["is required"], errors["session"]);
    }

    [Fact]
    public void AWrongTypeInOneFieldStillLetsTheOthersBeChecked()
    {
        var (_, errors) = Validate("""{"session":"s1","to":"+1 555","text":7,"imageUrl":["x"],"mimetype":"video/mp4"}""");
        Assert.Equal(["imageUrl", "mimetype", "text", "to"], errors.Keys.Order());
        Assert.Equal(["must be a string, not an array"], errors["imageUrl"]);
        Assert.Equal(["must be image/* for imageUrl, not 'video/mp4'"], errors["mimetype"]);
    }

    [Fact]
    public void EveryBadFieldIsReportedAtOnce()
    {
        var (_, errors) = Validate("""{"session":1,"to":false,"text":2}""");
        Assert.Equal(["session", "text", "to"], errors.Keys.Order());
    }

    [Theory]
    [InlineData("""{"session":"s\udc00","to":"12025550123","text":"a"}""", "session")]
    [InlineData("""{"session":"s1","to":"+1202555\ud8000123","text":"a"}""", "to")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"a\ud800"}""", "text")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"\ude00\ud83d"}""", "text")]
    [InlineData("""{"session":"s1","to":"12025550123","imageUrl":"https://e.example/\ud800.jpg"}""", "imageUrl")]
    [InlineData("""{"session":"s1","to":"12025550123","imageUrl":"https://e.example/a.jpg","mimetype":"image/\ud800"}""", "mimetype")]
    [InlineData("""{"session":"s1","to":"12025550123","documentUrl":"https://e.example/a","filename":"\udbff.pdf"}""", "filename")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"a","preview":{"title":"\udfff"}}""", "preview.title")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"a","preview":{"\ud800":"x"}}""", "preview")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"a","extra":"\ud800"}""", "extra")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"a","extra":{"deep":["\ud800"]}}""", "extra")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"a","extra":{"\udc00":1}}""", "extra")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"a","\ud800":1}""", "body")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"a","\ud800":1,"\ud800":2}""", "body")]
    public void ALoneSurrogateAnywhereIsNamed(string json, string field)
    {
        AssertOnlyError(json, field);
        Assert.EndsWith("valid Unicode text (it holds a lone surrogate)", Validate(json).Errors[field][0]);
    }

    public static TheoryData<string, string, byte[]> BytesThatAreNotUtf8()
    {
        byte[][] sequences = [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x80]];
        (string Json, string Field)[] places =
        [
            ("""{"session":"s1","to":"12025550123","text":"a§b"}""", "text"),
            ("""{"session":"§","to":"12025550123","text":"a"}""", "session"),
            ("""{"session":"s1","to":"1202§5550123","text":"a"}""", "to"),
            ("""{"session":"s1","to":"12025550123","videoUrl":"https://e.example/§.mp4"}""", "videoUrl"),
            ("""{"session":"s1","to":"12025550123","text":"a","preview":{"title":"§"}}""", "preview.title"),
            ("""{"session":"s1","to":"12025550123","text":"a","preview":{"§":"x"}}""", "preview"),
            ("""{"session":"s1","to":"12025550123","text":"a","extra":["§"]}""", "extra"),
            ("""{"session":"s1","to":"12025550123","text":"a","§":1}""", "body"),
        ];
        var data = new TheoryData<string, string, byte[]>();
        foreach (var (json, field) in places)
            foreach (var bytes in sequences)
                data.Add(json, field, bytes);
        return data;
    }

    [Theory]
    [MemberData(nameof(BytesThatAreNotUtf8))]
    public void BytesThatAreNotUtf8AreNamed(string json, string field, byte[] bytes)
    {
        var parts = json.Split('§');
        var body = System.Text.Encoding.UTF8.GetBytes(parts[0]).Concat(bytes).Concat(System.Text.Encoding.UTF8.GetBytes(parts[1])).ToArray();
        var (command, errors) = Validate(body);
        Assert.Null(command);
        Assert.Equal([field], errors.Keys);
        Assert.EndsWith("valid Unicode text (it holds bytes that are not UTF-8)", errors[field][0]);
    }

    [Fact]
    public void EscapedSurrogatePairsAndEscapedNamesAreReadAsText()
    {
        var (command, errors) = Validate("""{"sess\u0069on":"s1","to":"12025550123","text":"\ud83d\ude00","preview":{"\u0074itle":"\ud83d\ude00"}}""");
        Assert.Empty(errors);
        Assert.Equal(("s1", "😀", "😀"), (command!.Session, command.Text, command.Preview!["title"]));
    }

    [Theory]
    [InlineData("""{"session":"s1","to":"12025550123","te\u0078t":"x","text":"y"}""")]
    [InlineData("""{"session":"s1","to":"12025550123","text":"x","extra":{"a":1,"\u0061":2}}""")]
    public void PropertiesRepeatedUnderAnySpellingMakeTheBodyInvalid(string json) => AssertOnlyError(json, "body");

    [Theory]
    [InlineData("\\u200B")]
    [InlineData("\\u200C\\u200D\\u2060\\uFEFF")]
    [InlineData("\\u0020\\t\\n\\u00A0\\u3000\\u2028")]
    [InlineData("\\u0000\\u0007\\u007F")]
    [InlineData("\\u115F\\u1160\\u3164\\uFFA0")]
    [InlineData("\\u2800\\u2800")]
    [InlineData("\\u0301\\u0308\\u20DD")]
    [InlineData("\\u200E\\u202E\\u00AD\\uFE0F")]
    [InlineData("\\uDB40\\uDC20\\uDB40\\uDC7F")] // tag characters, outside the BMP
    public void TextOfOnlyInvisibleCharactersIsRefusedLikeEmptyText(string jsonEscaped)
    {
        var (command, errors) = Validate($$"""{"session":"s1","to":"12025550123","text":"{{jsonEscaped}}"}""");
        Assert.Null(command);
        Assert.Equal(["is required for a text message (no imageUrl, videoUrl, documentUrl or audioUrl given)"], errors["text"]);
    }

    [Theory]
    [InlineData("\u200B")]
    [InlineData("\u3164 ")]
    public void InvisibleSessionOrRecipientIsRequired(string text)
    {
        var (_, errors) = Validate($$"""{"session":"{{text}}","to":"{{text}}","text":"x"}""");
        Assert.Equal(["is required"], errors["session"]);
        Assert.Equal(["is required"], errors["to"]);
    }

    [Theory]
    [InlineData("e\u0301")]
    [InlineData("\u200B.\u200B")]
    [InlineData("\ud83d\udc68\u200D\ud83d\udc69\u200D\ud83d\udc67")]
    [InlineData("\u3164\u1100")]
    public void TextWithAnythingVisibleIsKept(string text)
    {
        var (command, errors) = Validate($$"""{"session":"s1","to":"12025550123","text":"{{text}}"}""");
        Assert.Empty(errors);
        Assert.NotNull(command);
    }
}
