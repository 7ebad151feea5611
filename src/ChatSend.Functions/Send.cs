using ChatSend.Http;
using ChatSend.Send;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>POST /send</c>. Anonymous at the Functions level: <see cref="ApiMiddleware"/> checks the API key.</summary>
public sealed class Send(SendHandler handler)
{
    [Function(ApiEndpoints.Send)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiEndpoints.SendRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        await handler.HandleAsync(request, cancellationToken);
}
