using ChatSend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>GET /openapi/v1.json</c>: the checked-in OpenAPI document, embedded at build time.</summary>
public sealed class ApiDocument(ApiReferenceFiles files)
{
    [Function(ApiEndpoints.ApiDocument)]
    public IResult RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiEndpoints.ApiDocumentRoute)] HttpRequest request) =>
        files.Document();
}
