using ChatSend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Callback = ChatSend.Providers.WhatsAppCloud.WhatsAppCloudCallback;

namespace ChatSend.Functions;

/// <summary><c>GET /webhooks/whatsapp-cloud</c>: Meta's subscription handshake. No API key: the verify token is the check.</summary>
public sealed class WhatsAppCloudVerify(Callback callback)
{
    [Function(ApiEndpoints.WhatsAppCloudVerify)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiEndpoints.WhatsAppCloudCallbackRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        await callback.HandshakeAsync(request, cancellationToken);
}
