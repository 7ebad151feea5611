using ChatSend.Http;
using ChatSend.Messages;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>GET /messages/{id}/media</c>. Anonymous at the Functions level: <see cref="ApiMiddleware"/> checks the API key.</summary>
public sealed class GetMessageMedia(GetMessageMediaHandler handler)
{
    [Function(ApiEndpoints.GetMessageMedia)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiEndpoints.MessageMediaRoute)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        await handler.HandleAsync(request, id, cancellationToken);
}
