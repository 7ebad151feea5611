using ChatSend.Http;
using ChatSend.Providers.Callbacks;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Callback = ChatSend.Providers.Waha.WahaCallback;

namespace ChatSend.Functions;

/// <summary><c>POST /webhooks/waha/{session}</c>: WAHA's callback. No API key: the pipeline checks WAHA's HMAC signature.</summary>
public sealed class WahaCallback(Callback callback, CallbackPipeline pipeline)
{
    [Function(ApiEndpoints.WahaCallback)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiEndpoints.WahaCallbackRoute)] HttpRequest request,
        string session,
        CancellationToken cancellationToken) =>
        await pipeline.HandleAsync(callback, request, session, cancellationToken);
}
