using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Azure.Core;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// Stands in for the app's managed identity: records the scopes each token was asked for and answers with an unsigned JWT
/// whose audience is the scope's resource (<c>https://eventgrid.azure.net/.default</c> gives <c>https://eventgrid.azure.net</c>),
/// as Microsoft Entra ID would, so a fake service can check which audience the client asked for.
/// </summary>
public sealed class TestCredential : TokenCredential
{
    /// <summary>The audience Event Grid's Microsoft Entra ID documentation gives for publishing (https://eventgrid.azure.net/).</summary>
    public const string EventGridAudience = "https://eventgrid.azure.net";

    public ConcurrentQueue<string[]> RequestedScopes { get; } = new();

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        RequestedScopes.Enqueue(requestContext.Scopes);
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        var audience = requestContext.Scopes.Single().Replace("/.default", "", StringComparison.Ordinal);
        var claims = new JsonObject { ["aud"] = audience, ["exp"] = expires.ToUnixTimeSeconds(), ["oid"] = Guid.NewGuid().ToString() };
        return new AccessToken($"{Encode("""{"alg":"none","typ":"JWT"}""")}.{Encode(claims.ToJsonString())}.", expires);
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));

    private static string Encode(string json) => Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(json));
}
