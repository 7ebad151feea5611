using ChatSend.Send;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>POST /send</c>. Anonymous at the Functions level: the library authenticates the Bearer API key.</summary>
public sealed class Send(SendHandler handler)
{
    [Function(nameof(Send))]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "send")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await handler.HandleAsync(request, cancellationToken);
}
