using System.Net;
using System.Text.Json;
using ChatSend.Http;
using ChatSend.Send;
using ChatSend.Send.Idempotency;

namespace ChatSend.Tests.ApiReference;

/// <summary>
/// The OpenAPI document is generated from <see cref="ApiEndpoints"/>: every client route is in it with its method, route,
/// body, parameters, Bearer scheme and every problem status; the checked-in copy the Functions app serves is what the
/// code generates now.
/// </summary>
public sealed class OpenApiDocumentTests(DocsHost host) : IClassFixture<DocsHost>
{
    [Fact]
    public async Task CheckedInDocumentIsWhatTheCodeGeneratesNow()
    {
        var live = DocsHost.Normalize(await host.LiveJsonAsync());
        var checkedIn = DocsHost.Normalize(await File.ReadAllTextAsync(DocsHost.CheckedInPath));
        Assert.True(live == checkedIn,
            $"openapi/v1.json differs from what the code generates. Regenerate it from the repository root with\n    {DocsHost.RegenerateCommand}\n" +
            "and review the diff: it is the API change.");
    }

    [Fact]
    public async Task TheDocumentIsOpenApi31WithoutServersSoEveryHostServesTheSameText()
    {
        var document = await host.LiveDocumentAsync();
        Assert.StartsWith("3.1", document.GetProperty("openapi").GetString());
        Assert.False(document.TryGetProperty("servers", out _));
        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty(ApiDocs.BearerScheme);
        Assert.Equal(("http", "bearer"), (bearer.GetProperty("type").GetString(), bearer.GetProperty("scheme").GetString()));
    }

    [Fact]
    public async Task EveryClientEndpointIsDocumentedWithItsMethodRouteErrorsAndSecurity()
    {
        var paths = (await host.LiveDocumentAsync()).GetProperty("paths");
        foreach (var endpoint in ApiEndpoints.All.Where(e => e.Audience == ApiAudience.Client))
        {
            Assert.True(paths.TryGetProperty("/" + endpoint.Route, out var path), $"{endpoint.Name}: /{endpoint.Route} is not in the document");
            Assert.True(path.TryGetProperty(endpoint.Method.ToLowerInvariant(), out var operation), $"{endpoint.Name}: no {endpoint.Method} /{endpoint.Route}");
            Assert.Equal(endpoint.Name, operation.GetProperty("operationId").GetString());
            var responses = operation.GetProperty("responses");
            foreach (var status in endpoint.AllErrors())
                Assert.True(responses.TryGetProperty(status.ToString(), out var problem)
                            && problem.GetProperty("content").TryGetProperty(ApiDocs.ProblemJson, out _),
                    $"{endpoint.Name}: no {ApiDocs.ProblemJson} answer for {status}");
            Assert.Contains(responses.EnumerateObject(), r => r.Name.StartsWith('2'));
            Assert.Equal(endpoint.Authenticated, operation.TryGetProperty("security", out _));
        }
    }

    [Fact]
    public async Task ProviderWebhooksAndTheReferenceItselfAreLeftOut()
    {
        var paths = (await host.LiveDocumentAsync()).GetProperty("paths");
        foreach (var endpoint in ApiEndpoints.All.Where(e => e.Audience != ApiAudience.Client))
            Assert.False(paths.TryGetProperty("/" + endpoint.Route, out var path) && path.TryGetProperty(endpoint.Method.ToLowerInvariant(), out _),
                $"{endpoint.Name} ({endpoint.Audience}) should not be in the public document");
    }

    [Fact]
    public async Task SendDeclaresItsBodyIdempotencyKeyAndEveryErrorTheCodeAnswers()
    {
        var send = (await host.LiveDocumentAsync()).GetProperty("paths").GetProperty("/send").GetProperty("post");
        Assert.EndsWith("/" + nameof(SendRequest),
            send.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        var header = Assert.Single(send.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("in").GetString() == "header");
        Assert.Equal(IdempotentSend.Header, header.GetProperty("name").GetString());
        Assert.Equal(["202", "400", "401", "403", "404", "409", "413", "415", "422", "500", "503"],
            send.GetProperty("responses").EnumerateObject().Select(r => r.Name));
        Assert.True(send.GetProperty("responses").GetProperty("202").GetProperty("headers").TryGetProperty("Location", out _));
    }

    [Fact]
    public async Task ListMessagesDeclaresTheQueryItReads()
    {
        var list = (await host.LiveDocumentAsync()).GetProperty("paths").GetProperty("/messages").GetProperty("get");
        Assert.Equal(["session", "limit", "cursor", "status", "to", "since", "until", "chat", "direction"],
            list.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        var status = Assert.Single(list.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "status");
        Assert.Contains("delivered", status.GetProperty("schema").GetProperty("enum").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task TheFunctionsAppServesTheCheckedInDocumentAndTheSamePage()
    {
        var files = new ApiReferenceFiles();
        Assert.Equal(DocsHost.Normalize(await File.ReadAllTextAsync(DocsHost.CheckedInPath)),
            DocsHost.Normalize(await FunctionResponse.BodyAsync(new ChatSend.Functions.ApiDocument(files).RunAsync(FunctionResponse.Request()))));

        var page = await FunctionResponse.BodyAsync(new ChatSend.Functions.ApiReference(files).RunAsync(FunctionResponse.Request(), asset: null));
        Assert.Contains($"""<script src="{ApiDocs.ReferencePrefix}/{ApiReferenceFiles.ScalarScript}">""", page);
        Assert.Contains(DocsHost.DocumentPath, page);
        var script = await FunctionResponse.BodyAsync(new ChatSend.Functions.ApiReference(files).RunAsync(FunctionResponse.Request(), ApiReferenceFiles.ScalarScript));
        Assert.Contains("createApiReference", script);
    }

    [Fact]
    public async Task TheLocalHostServesThePageAndItsScriptFromThePackageNotACdn()
    {
        var page = await host.App.Http.GetStringAsync(ApiDocs.ReferencePrefix + "/");
        Assert.DoesNotContain("cdn.jsdelivr.net", page);
        using var script = await host.App.Http.GetAsync($"{ApiDocs.ReferencePrefix}/{ApiReferenceFiles.ScalarScript}");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        // The Functions page is configured like the local one, as Scalar's page reads it.
        var local = JsonDocument.Parse(Configuration(page)).RootElement;
        var functions = JsonDocument.Parse(ApiReferenceFiles.PageConfiguration).RootElement;
        foreach (var property in functions.EnumerateObject().Where(p => p.Name != "url"))
            Assert.Equal(property.Value.GetRawText(), local.GetProperty(property.Name).GetRawText());
        // Neither shows Scalar's developer toolbar, which offers Scalar's hosted share, deploy and SDK services.
        Assert.Equal("never", functions.GetProperty("showDeveloperTools").GetString());
    }

    private static string Configuration(string page)
    {
        var start = page.IndexOf("{\"", StringComparison.Ordinal);
        var end = page.IndexOf("\n", start, StringComparison.Ordinal);
        return page[start..end].TrimEnd().TrimEnd(',');
    }
}
