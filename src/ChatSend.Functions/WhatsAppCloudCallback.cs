using ChatSend.Http;
using ChatSend.Providers.Callbacks;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Callback = ChatSend.Providers.WhatsAppCloud.WhatsAppCloudCallback;

namespace ChatSend.Functions;

/// <summary><c>POST /webhooks/whatsapp-cloud</c>: Meta's callbacks. No API key: the pipeline checks X-Hub-Signature-256.</summary>
public sealed class WhatsAppCloudCallback(Callback callback, CallbackPipeline pipeline)
{
    [Function(ApiEndpoints.WhatsAppCloudCallback)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiEndpoints.WhatsAppCloudCallbackRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        await pipeline.HandleAsync(callback, request, null, cancellationToken);
}
