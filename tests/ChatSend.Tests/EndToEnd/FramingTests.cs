using System.Text;
using System.Text.RegularExpressions;
using ChatSend.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// Requests whose HTTP framing is broken, sent over a raw socket to the local host: what ChatSend reads is answered as
/// problem details, never 5xx; what Kestrel refuses before ChatSend sees it is a bare status, as docs/api.md lists ("Answered by the web server itself").
/// </summary>
public sealed partial class FramingTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestApp _app = null!;
    private string _key = null!;
    private string _json = null!;

    private Uri Server => _app.Http.BaseAddress!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        }, services => services.Configure<KestrelServerOptions>(kestrel =>
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(240, gracePeriod: TimeSpan.FromSeconds(1.5))));
        var (session, key) = await _app.NewSessionAsync();
        _key = key;
        _json = $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"hello"}""";
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private int Length => Encoding.UTF8.GetByteCount(_json);

    private static async Task<System.Text.Json.JsonElement> AssertProblemAsync(RawResponse? response, int status, string field)
    {
        Assert.NotNull(response);
        Assert.Equal(status, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        var problem = Json.Parse(response.Body);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {response.Body}");
        return problem;
    }

    [Theory]
    [InlineData("zz", "\r\n")]
    [InlineData("fffffffffff", "\r\n")]
    [InlineData(null, "XX")]
    [InlineData(null, "")]
    public async Task MalformedChunkedEncodingIs400NamingTheBody(string? size, string suffix)
    {
        var response = await RawHttp.SendAsync(Server, RawHttp.Post(Server, _key,
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", RawHttp.Chunked(_json, size, suffix)));
        await AssertProblemAsync(response, 400, "body");
    }

    [Theory]
    [InlineData("Content-Length: {0}\r\nTransfer-Encoding: chunked\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: {0}\r\n")]
    [InlineData("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")]
    public async Task ContentLengthWithTransferEncodingIs400NamingTransferEncodingAndClosesTheConnection(string framing)
    {
        var response = await RawHttp.SendAsync(Server, RawHttp.Post(Server, _key,
            "Content-Type: application/json\r\n" + string.Format(framing, Length), RawHttp.Chunked(_json)));
        var problem = await AssertProblemAsync(response, 400, "Transfer-Encoding");
        Assert.Equal(["must not be sent with Content-Length"], problem.GetProperty("errors").GetProperty("Transfer-Encoding").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("close", response!.Headers["connection"]);
    }

    [Fact]
    public async Task APostWithNeitherLengthNorChunksHasAnEmptyBody()
    {
        var response = await RawHttp.SendAsync(Server, RawHttp.Post(Server, _key, "Content-Type: application/json\r\n", _json));
        var problem = await AssertProblemAsync(response, 400, "body");
        Assert.Equal("body: is not valid JSON (line 1, byte 1)", problem.Str("detail"));
    }

    [Fact]
    public async Task ChunkedEncodingAloneIsRead()
    {
        var response = await RawHttp.SendAsync(Server, RawHttp.Post(Server, _key,
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", RawHttp.Chunked(_json)));
        Assert.Equal(202, response?.Status);
    }

    [Fact]
    public async Task ABodySlowerThanTheMinimumDataRateIs408()
    {
        var response = await RawHttp.SendAsync(Server, RawHttp.Post(Server, _key,
            $"Content-Type: application/json\r\nContent-Length: {Length}\r\n", _json[..10]));
        var problem = await AssertProblemAsync(response, 408, "body");
        Assert.Contains("too slowly", problem.Str("detail"));
    }

    /// <summary>Kestrel takes a client's FIN for the client leaving and closes the connection unanswered (aspnetcore#13188).</summary>
    [Theory]
    [InlineData("Content-Length: {0}\r\n", false)]
    [InlineData("Transfer-Encoding: chunked\r\n", true)]
    public async Task ABodyCutShortByAHalfClosedSocketIsDroppedUnansweredNever5xx(string framing, bool chunked)
    {
        var body = chunked ? $"{Length + 10:x}\r\n{_json}" : _json;
        var response = await RawHttp.SendAsync(Server, RawHttp.Post(Server, _key,
            "Content-Type: application/json\r\n" + string.Format(framing, Length + 10), body), halfClose: true);
        Assert.Null(response);
        var finished = await Eventually.MatchesAsync(() => Task.FromResult(_app.Logs.Lines.FirstOrDefault(l => FinishedStatus().IsMatch(l))),
            line => line is not null);
        Assert.Matches("- 4\\d\\d -", finished);
    }

    [Theory]
    [InlineData(400, "Transfer-Encoding: gzip\r\nContent-Type: application/json\r\n")]
    [InlineData(400, "Content-Length: 10\r\nContent-Length: 11\r\nContent-Type: application/json\r\n")]
    [InlineData(400, "Content-Length: -1\r\nContent-Type: application/json\r\n")]
    [InlineData(400, "Content-Length: 99999999999999999999\r\nContent-Type: application/json\r\n")]
    [InlineData(400, "Content-Type application/json\r\n")]
    [InlineData(431, "X-Padding: {0}\r\n")]
    public async Task ErrorsKestrelAnswersBeforeChatSendSeesTheRequestHaveAStatusAndNoBody(int status, string headers)
    {
        var response = await RawHttp.SendAsync(Server, RawHttp.Post(Server, _key, string.Format(headers, new string('a', 40_000)), _json));
        AssertBare(response, status);
    }

    [Theory]
    [InlineData(414, "POST /send?{0} HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData(400, "POST  /send HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData(400, "POST /send HTTP/1.1\r\n\r\n")]
    [InlineData(505, "POST /send HTTP/9.1\r\nHost: x\r\n\r\n")]
    public async Task RequestLinesKestrelRefusesHaveAStatusAndNoBody(int status, string head)
    {
        var response = await RawHttp.SendAsync(Server, Encoding.ASCII.GetBytes(string.Format(head, new string('a', 10_000))));
        AssertBare(response, status);
    }

    private static void AssertBare(RawResponse? response, int status)
    {
        Assert.NotNull(response);
        Assert.Equal(status, response.Status);
        Assert.Equal("0", response.Headers["content-length"]);
        Assert.Equal("", response.Body);
    }

    [GeneratedRegex(@"Request finished HTTP/1\.1 POST ")]
    private static partial Regex FinishedStatus();
}
