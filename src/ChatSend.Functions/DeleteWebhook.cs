using ChatSend.Http;
using ChatSend.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>DELETE /sessions/{session}/webhooks/{id}</c>. Anonymous at the Functions level: <see cref="ApiMiddleware"/> checks the API key.</summary>
public sealed class DeleteWebhook(WebhooksApi api)
{
    [Function(ApiEndpoints.DeleteWebhook)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ApiEndpoints.SessionWebhookRoute)] HttpRequest request,
        string session,
        string id,
        CancellationToken cancellationToken) =>
        await api.DeleteAsync(request, session, id, cancellationToken);
}
