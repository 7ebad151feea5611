using ChatSend.Http;
using ChatSend.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>PATCH /sessions/{session}/webhooks/{id}</c>. Anonymous at the Functions level: <see cref="ApiMiddleware"/> checks the API key.</summary>
public sealed class UpdateWebhook(WebhooksApi api)
{
    [Function(ApiEndpoints.UpdateWebhook)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = ApiEndpoints.SessionWebhookRoute)] HttpRequest request,
        string session,
        string id,
        CancellationToken cancellationToken) =>
        await api.UpdateAsync(request, session, id, cancellationToken);
}
