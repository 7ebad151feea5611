using ChatSend.Http;
using ChatSend.Templates;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>GET /sessions/{session}/templates</c>. Anonymous at the Functions level: <see cref="ApiMiddleware"/> checks the API key.</summary>
public sealed class ListTemplates(ListTemplatesHandler handler)
{
    [Function(ApiEndpoints.ListTemplates)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiEndpoints.SessionTemplatesRoute)] HttpRequest request,
        string session,
        CancellationToken cancellationToken) =>
        await handler.HandleAsync(request, session, cancellationToken);
}
