using ChatSend.Http;
using ChatSend.Providers.Evolution;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>POST /webhooks/evolution/{session}</c>. Anonymous: the handler checks the session's webhook token.</summary>
public sealed class EvolutionWebhook(EvolutionWebhookHandler handler)
{
    [Function(ApiEndpoints.EvolutionWebhook)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiEndpoints.EvolutionWebhookRoute)] HttpRequest request,
        string session,
        CancellationToken cancellationToken) =>
        await handler.HandleAsync(request, session, cancellationToken);
}
