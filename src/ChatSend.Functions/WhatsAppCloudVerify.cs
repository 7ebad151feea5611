using ChatSend.Http;
using Handler = ChatSend.Providers.WhatsAppCloud.WhatsAppCloudWebhook;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>GET /webhooks/whatsapp-cloud</c>: Meta's subscription handshake. No API key: the verify token is the check.</summary>
public sealed class WhatsAppCloudVerify(Handler handler)
{
    [Function(ApiEndpoints.WhatsAppCloudVerify)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiEndpoints.WhatsAppCloudWebhookRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        await handler.VerifyAsync(request, cancellationToken);
}
