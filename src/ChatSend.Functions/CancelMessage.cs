using ChatSend.Http;
using ChatSend.Messages;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>DELETE /messages/{id}</c>. Anonymous at the Functions level: <see cref="ApiMiddleware"/> checks the API key.</summary>
public sealed class CancelMessage(CancelMessageHandler handler)
{
    [Function(ApiEndpoints.CancelMessage)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ApiEndpoints.MessageRoute)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        await handler.HandleAsync(request, id, cancellationToken);
}
