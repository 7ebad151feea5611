using ChatSend.Http;
using ChatSend.Providers.Callbacks;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Callback = ChatSend.Providers.Evolution.EvolutionCallback;

namespace ChatSend.Functions;

/// <summary><c>POST /webhooks/evolution/{session}</c>: Evolution's callback. No API key: the pipeline checks the session's webhook token.</summary>
public sealed class EvolutionCallback(Callback callback, CallbackPipeline pipeline)
{
    [Function(ApiEndpoints.EvolutionCallback)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiEndpoints.EvolutionCallbackRoute)] HttpRequest request,
        string session,
        CancellationToken cancellationToken) =>
        await pipeline.HandleAsync(callback, request, session, cancellationToken);
}
