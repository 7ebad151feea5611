using ChatSend.Messages;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>GET /messages/{id}</c>. Anonymous at the Functions level: the library authenticates the Bearer API key.</summary>
public sealed class GetMessage(GetMessageHandler handler)
{
    [Function(nameof(GetMessage))]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "messages/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        await handler.HandleAsync(request, id, cancellationToken);
}
