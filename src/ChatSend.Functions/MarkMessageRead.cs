using ChatSend.Http;
using ChatSend.Messages;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>POST /messages/{id}/read</c>. Anonymous at the Functions level: <see cref="ApiMiddleware"/> checks the API key.</summary>
public sealed class MarkMessageRead(MarkReadHandler handler)
{
    [Function(ApiEndpoints.MarkMessageRead)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiEndpoints.MessageReadRoute)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        await handler.HandleAsync(request, id, cancellationToken);
}
