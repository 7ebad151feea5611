using System.Text.Json;
using ChatSend.Http;
using ChatSend.Tests.Infrastructure;
using PuppeteerSharp;

namespace ChatSend.Tests.ApiReference;

/// <summary>
/// The API reference page at <c>/docs</c> of the local host, in headless Chromium (Debian's <c>chromium</c>, installed by
/// <c>.ci/run</c>; <c>CHATSEND_CHROMIUM</c> names another): it loads offline without console errors, lists
/// <c>POST /send</c>, and a request sent from the page with a pasted key is accepted. A screenshot is kept in
/// <c>.artifacts/docs/docs-page.png</c>.
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
    public async Task ThePageLoadsOfflineWithoutErrorsListsSendAndSendsAMessageWithAPastedKey()
    {
        await _page.GoToAsync(new Uri(host.App.Http.BaseAddress!, ApiDocs.ReferencePrefix).ToString(), WaitUntilNavigation.Networkidle0);
        await _page.WaitForFunctionAsync("() => document.body.innerText.includes('/send')", new WaitForFunctionOptions { Timeout = 30_000 });
        Assert.Contains("Send a message", await _page.EvaluateExpressionAsync<string>("document.body.innerText"));

        Directory.CreateDirectory(Path.GetDirectoryName(Screenshot)!);
        await _page.ScreenshotAsync(Screenshot, new ScreenshotOptions { FullPage = false });

        var (session, key) = await host.App.NewSessionAsync();
        var body = JsonSerializer.Serialize(new { session = session.Id, to = "+12025550123", text = "Hello from the API reference" });
        // The request as Scalar's client sends it: same origin, Bearer key, JSON body.
        var answer = await _page.EvaluateFunctionAsync<JsonElement>("""
            async (key, body) => {
                const r = await fetch('/send', { method: 'POST', headers: { 'Authorization': 'Bearer ' + key, 'Content-Type': 'application/json' }, body });
                return { status: r.status, body: await r.json() };
            }
            """, key, body);
        Assert.Equal(202, answer.GetProperty("status").GetInt32());
        Assert.Equal("queued", answer.GetProperty("body").GetProperty("status").GetString());
        Assert.Empty(_errors);
    }
}
