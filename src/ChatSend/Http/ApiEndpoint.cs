using Microsoft.AspNetCore.Http;

namespace ChatSend.Http;

/// <summary>Who an HTTP route is for, which decides whether the public OpenAPI document describes it.</summary>
public enum ApiAudience
{
    /// <summary>Clients with an API key: described in the document.</summary>
    Client,

    /// <summary>Load balancers and the platform (health probes): not in the client document; docs/api.md ("Health probes") describes them.</summary>
    Operations,

    /// <summary>A provider calling back with its own payload and trust (signature, token): not in the public document.</summary>
    Provider,

    /// <summary>The document and the API reference page themselves.</summary>
    Reference,
}

/// <summary>Where a parameter the handler reads by hand is sent.</summary>
public enum ApiParameterIn { Query, Header }

/// <summary>A query or header parameter a handler reads itself, declared so the document can describe it.</summary>
public sealed record ApiParameter(ApiParameterIn In, string Name, Type Type, string Description, bool Required = false);

/// <summary>
/// One HTTP route: its name (the Functions class is named the same), method, route template (no leading slash, as
/// the Functions host takes it), whether it needs an API key, and the handler for hosts with ASP.NET Core routing.
/// The init-only members say what the handler's signature cannot: they feed the OpenAPI document only.
/// </summary>
public sealed record ApiEndpoint(string Name, string Method, string Route, bool Authenticated, Delegate Handler)
{
    public ApiAudience Audience { get; init; } = ApiAudience.Client;

    public string? Summary { get; init; }

    public string? Description { get; init; }

    /// <summary>The JSON body, for a handler that reads the body itself (its signature takes the whole request).</summary>
    public Type? Body { get; init; }

    public IReadOnlyList<ApiParameter> Parameters { get; init; } = [];

    /// <summary>
    /// The problem statuses the handler answers. <see cref="ApiGate"/> adds its own to every route:
    /// <see cref="GateErrors"/>, and 401 for routes that need a key.
    /// </summary>
    public IReadOnlyList<int> Errors { get; init; } = [];

    public static IReadOnlyList<int> GateErrors { get; } =
        [StatusCodes.Status400BadRequest, StatusCodes.Status500InternalServerError, StatusCodes.Status503ServiceUnavailable];

    /// <summary>Every problem status the route can answer, in order: the handler's and the gate's.</summary>
    public IEnumerable<int> AllErrors() =>
        Errors.Concat(GateErrors).Concat(Authenticated ? [StatusCodes.Status401Unauthorized] : []).Distinct().Order();
}
