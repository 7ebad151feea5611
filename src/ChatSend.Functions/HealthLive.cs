using ChatSend.Health;
using ChatSend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>GET /health/live</c>: the checks tagged live, through the health service both hosts register. No API key.</summary>
public sealed class HealthLive(HealthHandler handler)
{
    [Function(ApiEndpoints.HealthLive)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiEndpoints.HealthLiveRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        await handler.LiveAsync(request, cancellationToken);
}
