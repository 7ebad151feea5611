using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// An Event Grid custom topic in CloudEvents 1.0 input schema on https://127.0.0.1, with a certificate made for it (Azure.Core
/// sends bearer tokens over HTTPS only). <c>POST /api/events?api-version=2018-01-01</c> checks what the service checks: the
/// path and API version the SDK uses, <c>Content-Type: application/cloudevents-batch+json; charset=utf-8</c>, a Microsoft
/// Entra token for the audience <c>https://eventgrid.azure.net</c> (401 otherwise), a body of at most 1 MB (413), and a JSON
/// array of structured CloudEvents 1.0 (400). It answers 200 with an empty body, as the service does, or a scripted status.
/// </summary>
public sealed class FakeEventGrid : FakeHttpServer
{
    public const string Path = "/api/events";
    public const string ApiVersion = "2018-01-01";
    public const string ContentType = "application/cloudevents-batch+json; charset=utf-8";
    public const int MaxRequestBytes = 1024 * 1024;

    private static readonly string[] RequiredAttributes = ["specversion", "id", "source", "type", "subject", "time", "data"];
    private SocketsHttpHandler? _handler;
    private int _requests;

    public X509Certificate2 Certificate { get; } = CreateCertificate();
    public Uri Endpoint => new($"{BaseUrl}{Path}");

    /// <summary>Every request answered 200, with its events in the order they were sent.</summary>
    public ConcurrentQueue<Received> Accepted { get; } = new();

    /// <summary>What a real topic would have refused (each was answered 400, 401 or 413); a test asserts there were none.</summary>
    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>Statuses to answer the next requests with, one each, before accepting again.</summary>
    public ConcurrentQueue<HttpStatusCode> Scripted { get; } = new();

    public int Requests => Volatile.Read(ref _requests);

    public sealed record Received(string PathAndQuery, string ContentType, IReadOnlyList<JsonObject> Events);

    /// <summary>A transport for the publisher client that trusts this server's certificate and no other.</summary>
    public HttpClientTransport Transport()
    {
        _handler ??= new SocketsHttpHandler
        {
            SslOptions =
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { Certificate },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
        };
        return new HttpClientTransport(_handler);
    }

    protected override void ConfigureEndpoint(ListenOptions listen) => listen.UseHttps(Certificate);

    protected override void Map(WebApplication app) => app.MapPost(Path, (Delegate)HandleAsync); // a route handler, so the IResult is written

    protected override ValueTask DisposeResourcesAsync()
    {
        _handler?.Dispose();
        Certificate.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (context.Request.Query["api-version"] != ApiVersion)
            return Refuse(400, "BadRequest", $"api-version {context.Request.Query["api-version"]}: the SDK's is {ApiVersion}");
        if (CheckToken(context.Request.Headers.Authorization.ToString()) is { } tokenProblem)
            return Refuse(401, "Unauthorized", tokenProblem);
        if (context.Request.ContentType != ContentType)
            return Refuse(400, "BadRequest", $"Content-Type {context.Request.ContentType}");
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        if (body.Length > MaxRequestBytes)
            return Refuse(413, "RequestEntityTooLarge", $"the request is {body.Length} bytes, over 1 MB");
        if (CheckEvents(body.ToArray(), out var events) is { } bodyProblem)
            return Refuse(400, "BadRequest", bodyProblem);
        if (Scripted.TryDequeue(out var status))
            return Error((int)status, status.ToString(), "scripted by the test");
        Accepted.Enqueue(new Received(context.Request.Path + context.Request.QueryString, context.Request.ContentType!, events));
        return Results.Ok();
    }

    /// <summary>The token is a JWT whose payload (its signature is not checked here) names Event Grid as its audience and has not expired.</summary>
    private static string? CheckToken(string authorization)
    {
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || authorization[7..].Split('.') is not { Length: 3 } parts)
            return $"Authorization is not a bearer JWT: '{authorization}'";
        var claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!;
        if ((string?)claims["aud"] != TestCredential.EventGridAudience)
            return $"the token's audience is {claims["aud"]}, not {TestCredential.EventGridAudience}";
        if (DateTimeOffset.FromUnixTimeSeconds((long)claims["exp"]!) < DateTimeOffset.UtcNow)
            return "the token has expired";
        return null;
    }

    /// <summary>What CloudEvents 1.0 structured JSON (an array of them, in batch mode) requires, or null when the body meets it.</summary>
    private static string? CheckEvents(byte[] body, out List<JsonObject> events)
    {
        events = [];
        try
        {
            if (JsonNode.Parse(body) is not JsonArray array || array.Count == 0)
                return "the body is not a non-empty JSON array";
            events = array.OfType<JsonObject>().ToList();
            if (events.Count != array.Count)
                return "every element must be a CloudEvent object";
        }
        catch (JsonException ex)
        {
            return $"the body is not JSON: {ex.Message}";
        }
        foreach (var e in events)
        {
            if (RequiredAttributes.FirstOrDefault(a => e[a] is null) is { } missing)
                return $"event {e["id"]} has no {missing}";
            if ((string?)e["specversion"] != "1.0")
                return $"specversion {e["specversion"]}";
            if (!DateTimeOffset.TryParse((string?)e["time"], out _))
                return $"time {e["time"]} is not RFC 3339";
            if (e["datacontenttype"] is { } type && (string?)type != "application/json")
                return $"datacontenttype {type}";
        }
        return null;
    }

    private IResult Refuse(int status, string code, string problem)
    {
        Violations.Enqueue(problem);
        return Error(status, code, problem);
    }

    private static IResult Error(int status, string code, string message) =>
        Results.Text(new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } }.ToJsonString(),
            "application/json", Encoding.UTF8, status);

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // server auth
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        // Through PKCS#12 so the private key is usable by TLS on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
