using ChatSend.Http;
using ChatSend.Providers.Waha;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>POST /webhooks/waha/{session}</c>. No API key: the handler checks WAHA's HMAC signature.</summary>
public sealed class WahaWebhook(WahaWebhookHandler handler)
{
    [Function(ApiEndpoints.WahaWebhook)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiEndpoints.WahaWebhookRoute)] HttpRequest request,
        string session,
        CancellationToken cancellationToken) =>
        await handler.HandleAsync(request, session, cancellationToken);
}
