using System.Net;
using System.Net.Http.Headers;
using ChatSend.Http;
using ChatSend.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>The local host puts the same gate in front of every declared route as the Functions app (see FunctionsPipelineTests).</summary>
public sealed class LocalHostPipelineTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private readonly FailingClock _clock = new();
    private TestApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await TestApp.StartAsync(azurite, services: s => s.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public void TheHostServesExactlyTheDeclaredRoutes()
    {
        // The document and the page are served here by MapOpenApi and Scalar (their own routes), in the Functions app
        // by the Reference entries; everything else is exactly the declaration.
        var routes = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Route: e.RoutePattern.RawText!.TrimStart('/'), Method: e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Single()))
            .Where(r => !r.Route.StartsWith("docs", StringComparison.Ordinal) && !r.Route.StartsWith("openapi/", StringComparison.Ordinal));
        Assert.Equal(ApiEndpoints.All.Where(e => e.Audience != ApiAudience.Reference).Select(e => (e.Route, e.Method)).Order(), routes.Order());
    }

    [Fact]
    public async Task AnUnhandledExceptionIs500ProblemWithATraceIdAndNoDetail()
    {
        var (session, key) = await _app.NewSessionAsync();
        _clock.Failure = new InvalidOperationException("secret internal detail");
        try
        {
            using var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key,
                $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"hello"}"""));

            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var body = await Json.ReadAsync(response);
            Assert.False(string.IsNullOrEmpty(body.Str("traceId")));
            Assert.False(body.TryGetProperty("detail", out _));
            Assert.DoesNotContain("secret internal detail", body.ToString());
            Assert.Contains(_app.Logs.Lines, l => l.Contains(body.Str("traceId")) && l.Contains("secret internal detail"));
        }
        finally
        {
            _clock.Failure = null;
        }
    }

    [Theory]
    [InlineData("Basic")]
    [InlineData("Token")]
    public async Task AValidKeyUnderAnotherSchemeIs401(string scheme)
    {
        var (session, key) = await _app.NewSessionAsync();
        var request = _app.Request(HttpMethod.Post, "/send", key: null, $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"x"}""");
        request.Headers.Authorization = new AuthenticationHeaderValue(scheme, key);
        using var response = await _app.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task AnUnknownRouteIsAProblemToo()
    {
        using var response = await _app.Http.GetAsync("/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>The system clock, until a test makes every reading throw.</summary>
    private sealed class FailingClock : TimeProvider
    {
        public Exception? Failure { get; set; }

        public override DateTimeOffset GetUtcNow() => Failure is null ? System.GetUtcNow() : throw Failure;
    }
}
