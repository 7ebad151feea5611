using ChatSend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Handler = ChatSend.Providers.WhatsAppCloud.WhatsAppCloudWebhook;

namespace ChatSend.Functions;

/// <summary><c>POST /webhooks/whatsapp-cloud</c>: Meta's status webhooks. No API key: the X-Hub-Signature-256 is the check.</summary>
public sealed class WhatsAppCloudWebhook(Handler handler)
{
    [Function(ApiEndpoints.WhatsAppCloudWebhook)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiEndpoints.WhatsAppCloudWebhookRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        await handler.ReceiveAsync(request, cancellationToken);
}
