using ChatSend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>GET /docs</c>: the Scalar API reference page over <c>/openapi/v1.json</c>, and its script (<c>/docs/scalar.js</c>).</summary>
public sealed class ApiReference(ApiReferenceFiles files)
{
    [Function(ApiEndpoints.ApiReference)]
    public IResult RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiEndpoints.ApiReferenceRoute)] HttpRequest request,
        string? asset) =>
        files.Page(asset);
}
