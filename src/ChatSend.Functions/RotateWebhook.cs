using ChatSend.Http;
using ChatSend.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>POST /sessions/{session}/webhooks/{id}/rotate</c>. Anonymous at the Functions level: <see cref="ApiMiddleware"/> checks the API key.</summary>
public sealed class RotateWebhook(WebhooksApi api)
{
    [Function(ApiEndpoints.RotateWebhook)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiEndpoints.RotateWebhookRoute)] HttpRequest request,
        string session,
        string id,
        CancellationToken cancellationToken) =>
        await api.RotateAsync(request, session, id, cancellationToken);
}
