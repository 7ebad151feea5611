using System.Text.Json;
using ChatSend.Queues;

namespace ChatSend.Tests.Unit;

public sealed class MinimalJsonEncoderTests
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = MinimalJsonEncoder.Instance };

    [Theory]
    [InlineData("plain text")]
    [InlineData("quote \" backslash \\ tab \t newline \n nul \0")]
    [InlineData("emoji \U0001F600 and é, 日本, <script>&")]
    public void TextComesBackAsItWasWithOnlyWhatJsonRequiresEscaped(string text)
    {
        var json = JsonSerializer.Serialize(text, Options);

        Assert.Equal(text, JsonSerializer.Deserialize<string>(json, Options));
        Assert.DoesNotContain("\\uD83D", json); // an emoji stays four UTF-8 bytes
        Assert.DoesNotContain('\t', json);
        Assert.DoesNotContain('\n', json);
    }

    [Fact]
    public void ALoneSurrogateIsStillWrittenAsValidJson()
    {
        var json = JsonSerializer.Serialize("broken \uD83D here", Options);

        using var parsed = JsonDocument.Parse(json);
        Assert.StartsWith("broken ", parsed.RootElement.GetString());
    }
}
