using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatSend.Http;
using ChatSend.Tests.Infrastructure;
using PuppeteerSharp;

namespace ChatSend.Tests.ApiReference;

/// <summary>
/// The API reference page at <c>/docs</c> of the local host, in headless Chromium (Debian's <c>chromium</c>, installed by
/// <c>.ci/run</c>; <c>CHATSEND_CHROMIUM</c> names another): it loads offline without console errors, lists
/// <c>POST /send</c>, has no Scalar developer toolbar, and Scalar's own "Test Request" client, with the key and body typed
/// in, sends a message that the page shows as 202 and the server has. A screenshot of the answered request is kept in <c>.artifacts/docs/docs-page.png</c>.
/// </summary>
public sealed class DocsPageTests(DocsHost host) : IClassFixture<DocsHost>, IAsyncLifetime
{
    private static readonly string Chromium = Environment.GetEnvironmentVariable("CHATSEND_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";
    private static readonly string Screenshot = Path.Combine(RepoPaths.Root, ".artifacts", "docs", "docs-page.png");

    private readonly List<string> _errors = [];
    private IBrowser _browser = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium (as .ci/run does), or set CHATSEND_CHROMIUM");
        _browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        _page = await _browser.NewPageAsync();
        await _page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1000 });
        _page.Console += (_, e) => { if (e.Message.Type == ConsoleType.Error) _errors.Add(e.Message.Text); };
        _page.PageError += (_, e) => _errors.Add(e.Message);
        // Offline: anything the page asks of another origin (a CDN, fonts, telemetry) is refused and so shows as an error.
        await _page.SetRequestInterceptionAsync(true);
        _page.Request += async (_, e) =>
        {
            if (new Uri(e.Request.Url).Authority == host.App.Http.BaseAddress!.Authority || e.Request.Url.StartsWith("data:"))
                await e.Request.ContinueAsync();
            else
            {
                _errors.Add("request to another origin: " + e.Request.Url);
                await e.Request.AbortAsync();
            }
        };
    }

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [Fact]
    public async Task ThePageLoadsOfflineWithoutErrorsListsSendWithoutScalarsToolbarAndSendsAMessageFromTestRequest()
    {
        await _page.GoToAsync(new Uri(host.App.Http.BaseAddress!, ApiDocs.ReferencePrefix).ToString(), WaitUntilNavigation.Networkidle0);
        await _page.WaitForFunctionAsync("() => document.body.innerText.includes('/send')", new WaitForFunctionOptions { Timeout = 30_000 });
        Assert.Contains("Send a message", await _page.EvaluateExpressionAsync<string>("document.body.innerText"));
        // Scalar's developer toolbar (Configure, Share, Deploy, Generate SDK: its own hosted services) is off, even on 127.0.0.1.
        Assert.Equal(0, await _page.EvaluateExpressionAsync<int>("document.querySelectorAll(\"header[aria-label='Developer Tools']\").length"));
        var buttons = await _page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('button, a')].map(b => b.innerText.trim())");
        Assert.DoesNotContain(buttons, b => b is "Deploy" or "Share" or "Generate SDK" or "Configure");

        var (session, key) = await host.App.NewSessionAsync();
        var body = JsonSerializer.Serialize(new { session = session.Id, to = "+12025550123", text = "hello from the docs page" }, Relaxed);

        // As a person does it: "Test Request" on POST /send opens Scalar's client, where the key and body are typed in.
        await ClickAsync(await _page.WaitForSelectorAsync(SendOperation + " button.show-api-client-button", Visible));
        await ClickAsync(await _page.WaitForSelectorAsync(Client + " input[placeholder=Token]", Visible));
        await _page.Keyboard.TypeAsync(key);
        Assert.Equal(key, await _page.EvaluateExpressionAsync<string>($"document.querySelector(\"{Client} input[placeholder=Token]\").value"));

        await ReplaceBodyAsync(body);
        await ClickAsync(await _page.WaitForSelectorAsync(Client + " button[data-addressbar-action=send]", Visible));

        // The response panel announces "<duration> , Status: 202 Accepted" in its live region once the answer is in.
        await _page.WaitForFunctionAsync($"() => document.querySelector(\"{ResponseStatus}\")?.innerText.includes('Status')",
            new WaitForFunctionOptions { Timeout = 30_000 });
        // The status fades in; let finite animations end so that the screenshot shows it.
        await _page.EvaluateExpressionAsync(
            "Promise.all(document.getAnimations().filter(a => a.effect?.getTiming().iterations !== Infinity).map(a => a.finished.catch(() => {})))");
        Directory.CreateDirectory(Path.GetDirectoryName(Screenshot)!);
        await _page.ScreenshotAsync(Screenshot, new ScreenshotOptions { FullPage = false });
        Assert.Contains("202 Accepted", await _page.EvaluateExpressionAsync<string>($"document.querySelector(\"{ResponseStatus}\").innerText"));

        var shown = await _page.EvaluateExpressionAsync<string>($"document.querySelector(\"{Client} section[aria-label=Response]\").innerText");
        var id = Regex.Match(shown, "\"id\": \"(msg_[^\"]+)\"") is { Success: true } match ? match.Groups[1].Value
            : throw new Xunit.Sdk.XunitException("no message id in the response panel:\n" + shown);
        Assert.Contains("\"status\": \"queued\"", shown);

        // And the server has it: the message the page sent, with the typed text, under the typed key.
        using var stored = await host.App.Http.SendAsync(host.App.Request(HttpMethod.Get, $"/messages/{id}", key));
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        var message = JsonDocument.Parse(await stored.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("hello from the docs page", message.GetProperty("content").GetString());
        Assert.Equal("+12025550123", message.GetProperty("to").GetString());
        Assert.Empty(_errors);
    }

    private const string Client = "[role=dialog][aria-label='API Client']";
    private const string SendOperation = "[id='v1/tag/send/POST/send']";
    private const string ResponseStatus = Client + " section[aria-label=Response] [aria-live=polite]";
    private static readonly WaitForSelectorOptions Visible = new() { Visible = true, Timeout = 30_000 };
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static async Task ClickAsync(IElementHandle? element)
    {
        Assert.NotNull(element);
        await element.ClickAsync();
    }

    /// <summary>
    /// The body editor is CodeMirror: select all and insert the text as one input (as a paste would), because typing it key by
    /// key lets CodeMirror's bracket closing and completion change it.
    /// </summary>
    private async Task ReplaceBodyAsync(string json)
    {
        const string editor = Client + " [aria-label^='Request:'] .cm-content";
        await ClickAsync(await _page.WaitForSelectorAsync(editor, Visible));
        await _page.Keyboard.DownAsync("Control");
        await _page.Keyboard.PressAsync("a");
        await _page.Keyboard.UpAsync("Control");
        await _page.Keyboard.PressAsync("Backspace");
        await _page.Keyboard.SendCharacterAsync(json);
        Assert.Equal(json, (await _page.EvaluateExpressionAsync<string>($"document.querySelector(\"{editor}\").innerText")).Trim());
    }
}
