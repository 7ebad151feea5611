using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatSend.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ChatSend.Tests.EndToEnd;

/// <summary>The local host over its own Azurite, with a session and a key for it, shared by the fuzz tests.</summary>
public sealed class FuzzHost : IAsyncLifetime
{
    private readonly Azurite _azurite = new();

    public TestApp App { get; private set; } = null!;
    public string Session { get; private set; } = null!;
    public string Key { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        App = await TestApp.StartAsync(_azurite, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        }, services => services.Configure<KestrelServerOptions>(kestrel =>
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(240, gracePeriod: TimeSpan.FromSeconds(1.5))));
        var (session, key) = await App.NewSessionAsync();
        (Session, Key) = (session.Id, key);
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await _azurite.DisposeAsync();
    }
}

/// <summary>
/// Generated requests to <c>POST /send</c> with storage up: none is ever answered 5xx, every 4xx is problem details
/// whose status is the answer's, and every 400 names what is wrong, unless Kestrel refused the request's framing
/// before ChatSend saw it. The requests follow from <c>CHATSEND_TEST_SEED</c>, printed with every failure.
/// </summary>
public sealed partial class SendFuzzTests(FuzzHost host, ITestOutputHelper output) : IClassFixture<FuzzHost>
{
    private const int Requests = 1200;

    [Fact]
    public async Task NoGeneratedRequestIsAnswered5xxAndEvery4xxIsAProblemNamingWhatIsWrong()
    {
        var seed = TestOrder.Seed;
        var server = host.App.Http.BaseAddress!;
        var requests = new SendFuzzer(seed, server, host.Session, host.Key).Generate(Requests);
        var failures = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();

        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (request, _) =>
        {
            try
            {
                var response = await RawHttp.SendAsync(server, request.Bytes, request.HalfClose);
                if (Violation(request, response) is { } violation)
                    failures.Enqueue($"{violation}; got {response?.ToString() ?? "no answer"}; sent {request}");
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                failures.Enqueue($"{ex.GetType().Name}: {ex.Message}; sent {request}");
            }
        });
        output.WriteLine($"{Requests} requests (seed {seed}) in {clock.Elapsed.TotalSeconds:F1} s");

        var logged5xx = host.App.Logs.Lines.Where(l => Finished5xx().IsMatch(l) || l.Contains("ChatSend.Http.ApiGate") && !l.StartsWith("Information") && !l.StartsWith("Debug"));
        foreach (var line in logged5xx)
            failures.Enqueue($"the host logged: {line}");
        Assert.True(failures.IsEmpty,
            $"CHATSEND_TEST_SEED={seed}: {failures.Count} of {Requests} requests broke the rules; the first:\n{string.Join("\n", failures.Take(10))}");
    }

    /// <summary>What is wrong with the answer to the request, or null when it keeps the rules.</summary>
    private static string? Violation(FuzzRequest request, RawResponse? response)
    {
        if (response is null)
            return request.Answer == FuzzAnswer.ServerMayRefuse ? null : "no answer";
        if (response.Status >= 500)
            return "answered 5xx";
        if (request.Expected is { } expected && response.Status != expected)
            return $"expected {expected}";
        if (response.Status < 400)
            return response.Status == 202 ? null : "a success other than 202";
        if (response.ContentType != "application/problem+json")
            return request.Answer != FuzzAnswer.Problem && response.Body.Length == 0 && response.Status is 400 or 414 or 431
                ? null
                : "a 4xx that is not problem details";
        return ProblemViolation(response);
    }

    private static string? ProblemViolation(RawResponse response)
    {
        JsonElement problem;
        try
        {
            problem = Json.Parse(response.Body);
        }
        catch (JsonException)
        {
            return "problem details that are not JSON";
        }
        if (!problem.TryGetProperty("status", out var status) || status.GetInt32() != response.Status)
            return "the problem's status is not the answer's";
        var names = problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any();
        return names || response.Status == 401 ? null : "a problem that names no field or header";
    }

    [GeneratedRegex(@"Request finished .* - 5\d\d ")]
    private static partial Regex Finished5xx();
}
