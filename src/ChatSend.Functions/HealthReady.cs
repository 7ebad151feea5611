using ChatSend.Health;
using ChatSend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>GET /health/ready</c>: the checks tagged ready (storage, tables and queues, secrets), cached briefly. No API key.</summary>
public sealed class HealthReady(HealthHandler handler)
{
    [Function(ApiEndpoints.HealthReady)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiEndpoints.HealthReadyRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        await handler.ReadyAsync(request, cancellationToken);
}
