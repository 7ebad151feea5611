using ChatSend.Http;
using ChatSend.Providers;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>POST /sandbox/sessions/{session}/inbound</c>. Anonymous at the Functions level: <see cref="ApiMiddleware"/> checks the API key.</summary>
public sealed class SandboxInbound(SandboxInboundHandler handler)
{
    [Function(ApiEndpoints.SandboxInbound)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiEndpoints.SandboxInboundRoute)] HttpRequest request,
        string session,
        CancellationToken cancellationToken) =>
        await handler.HandleAsync(request, session, cancellationToken);
}
