using ChatSend.Http;
using ChatSend.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>POST /sessions/{session}/webhooks</c>. Anonymous at the Functions level: <see cref="ApiMiddleware"/> checks the API key.</summary>
public sealed class CreateWebhook(WebhooksApi api)
{
    [Function(ApiEndpoints.CreateWebhook)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiEndpoints.SessionWebhooksRoute)] HttpRequest request,
        string session,
        CancellationToken cancellationToken) =>
        await api.CreateAsync(request, session, cancellationToken);
}
