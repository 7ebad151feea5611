using ChatSend.Http;
using ChatSend.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>GET /sessions/{session}/webhooks</c>. Anonymous at the Functions level: <see cref="ApiMiddleware"/> checks the API key.</summary>
public sealed class ListWebhooks(WebhooksApi api)
{
    [Function(ApiEndpoints.ListWebhooks)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiEndpoints.SessionWebhooksRoute)] HttpRequest request,
        string session,
        CancellationToken cancellationToken) =>
        await api.ListAsync(request, session, cancellationToken);
}
