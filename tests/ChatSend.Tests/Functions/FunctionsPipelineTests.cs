using System.Collections.Immutable;
using System.Net;
using System.Text.Json;
using ChatSend.Functions;
using ChatSend.Http;
using ChatSend.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.Functions;

/// <summary>
/// The Functions app's HTTP pipeline as the worker runs it: <see cref="ApiMiddleware"/> around the real function classes,
/// the invocation result written to the response as the ASP.NET Core integration writes it. The Functions host itself
/// cannot run on this machine; the published metadata it reads is checked by <see cref="PublishedAppTests"/>.
/// </summary>
public sealed class FunctionsPipelineTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestServices _services = null!;

    public Task InitializeAsync()
    {
        _services = new TestServices(azurite);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private async Task<(HttpResponse Response, JsonElement Body, bool Invoked)> InvokeAsync(
        string function, HttpContext http, Func<Task<object?>> run)
    {
        var invoked = false;
        var context = new TestFunctionContext(function, http, _services.Provider);
        var result = new TestInvocationResult();
        var middleware = new ApiMiddleware(_services.Get<ApiGate>());
        await middleware.InvokeAsync(context, async _ =>
        {
            invoked = true;
            result.Value = await run();
        }, () => result);

        // What FunctionsHttpProxyingMiddleware does with an IResult the invocation returned.
        var body = new MemoryStream();
        http.Response.Body = body;
        await Assert.IsAssignableFrom<IResult>(result.Value).ExecuteAsync(http);
        return (http.Response, JsonDocument.Parse(body.ToArray()).RootElement.Clone(), invoked);
    }

    private DefaultHttpContext Post(string? key, string json)
    {
        var http = HttpContexts.Post(key, json);
        http.RequestServices = _services.Provider;
        return http;
    }

    [Fact]
    public async Task ARequestWithoutAKeyIs401ProblemAndTheFunctionNeverRuns()
    {
        var http = Post(null, """{"session":"s","to":"+12025550123","text":"x"}""");
        var (response, body, invoked) = await InvokeAsync(ApiEndpoints.Send, http,
            async () => await new ChatSend.Functions.Send(_services.Get<ChatSend.Send.SendHandler>()).RunAsync(http.Request, CancellationToken.None));

        Assert.False(invoked);
        Assert.Equal((401, "application/problem+json", "Bearer"), (response.StatusCode, response.ContentType, response.Headers.WWWAuthenticate.ToString()));
        Assert.Equal(401, body.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task AnAcceptedSendGoesThroughTheFunctionClassAndAnswers202()
    {
        var (session, key) = await _services.NewSessionAsync();
        var http = Post(key, $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"hello"}""");
        var (response, body, invoked) = await InvokeAsync(ApiEndpoints.Send, http,
            async () => await new ChatSend.Functions.Send(_services.Get<ChatSend.Send.SendHandler>()).RunAsync(http.Request, CancellationToken.None));

        Assert.True(invoked);
        Assert.Equal(202, response.StatusCode);
        Assert.Equal($"/messages/{body.Str("id")}", response.Headers.Location.ToString());
        Assert.Equal("queued", body.Str("status"));
    }

    [Fact]
    public async Task AnUnhandledExceptionIs500ProblemWithATraceIdAndNoDetail()
    {
        var (session, key) = await _services.NewSessionAsync();
        var http = Post(key, $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"hello"}""");
        var (response, body, _) = await InvokeAsync(ApiEndpoints.Send, http,
            () => throw new InvalidOperationException("secret internal detail"));

        Assert.Equal((500, "application/problem+json"), (response.StatusCode, response.ContentType));
        Assert.False(string.IsNullOrEmpty(body.Str("traceId")));
        Assert.False(body.TryGetProperty("detail", out _));
        Assert.DoesNotContain("secret internal detail", body.ToString());
        Assert.Contains(_services.Logs.Lines, l => l.Contains(body.Str("traceId")) && l.Contains("secret internal detail"));
    }

    [Fact]
    public async Task StorageDownIs503WithRetryAfterInTheFunctionsAppToo()
    {
        var (session, key) = await _services.NewSessionAsync();
        var http = Post(key, $$"""{"session":"{{session.Id}}","to":"+12025550123","text":"hello"}""");
        var (response, body, _) = await InvokeAsync(ApiEndpoints.Send, http,
            () => throw new Azure.RequestFailedException(503, "Server busy"));

        Assert.Equal((503, "5"), (response.StatusCode, response.Headers.RetryAfter.ToString()));
        Assert.Equal(503, body.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task HealthReadyNeedsNoKeyAndAnswersTheSameJsonInTheFunctionsApp()
    {
        var http = new DefaultHttpContext { RequestServices = _services.Provider };
        http.Request.Method = HttpMethods.Get;
        var (response, body, invoked) = await InvokeAsync(ApiEndpoints.HealthReady, http,
            async () => await new HealthReady(_services.Get<ChatSend.Health.HealthHandler>()).RunAsync(http.Request, CancellationToken.None));

        Assert.True(invoked);
        Assert.Equal((200, "application/json; charset=utf-8", "no-store"), (response.StatusCode, response.ContentType, response.Headers.CacheControl.ToString()));
        Assert.Equal("Healthy", body.Str("status"));
        Assert.Equal(["secrets", "storage"], body.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order());
    }

    [Fact]
    public async Task QueueFunctionsPassThroughUntouched()
    {
        var ran = false;
        var context = new TestFunctionContext(ChatSend.Queues.QueueEndpoints.Deliver, http: null, _services.Provider);
        await new ApiMiddleware(_services.Get<ApiGate>()).InvokeAsync(context, _ =>
        {
            ran = true;
            return Task.CompletedTask;
        }, () => throw new InvalidOperationException("a queue function has no HTTP result"));
        Assert.True(ran);
    }

    private sealed class TestInvocationResult : InvocationResult
    {
        public override object? Value { get; set; }
    }

    private sealed class TestFunctionContext(string name, HttpContext? http, IServiceProvider services) : FunctionContext
    {
        public override string InvocationId { get; } = Guid.NewGuid().ToString();
        public override string FunctionId { get; } = name;
        public override TraceContext TraceContext => throw new NotSupportedException();
        public override BindingContext BindingContext => throw new NotSupportedException();
        public override RetryContext RetryContext => throw new NotSupportedException();
        public override IServiceProvider InstanceServices { get; set; } = services;
        public override FunctionDefinition FunctionDefinition { get; } = new TestFunctionDefinition(name);
        public override IDictionary<object, object> Items { get; set; } =
            http is null ? new Dictionary<object, object>() : new Dictionary<object, object> { ["HttpRequestContext"] = http };
        public override Microsoft.Azure.Functions.Worker.IInvocationFeatures Features => throw new NotSupportedException();
    }

    private sealed class TestFunctionDefinition(string name) : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters => [];
        public override string PathToAssembly => typeof(ApiMiddleware).Assembly.Location;
        public override string EntryPoint => $"ChatSend.Functions.{name}.RunAsync";
        public override string Id => name;
        public override string Name => name;
        public override IImmutableDictionary<string, BindingMetadata> InputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;
        public override IImmutableDictionary<string, BindingMetadata> OutputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;
    }
}
