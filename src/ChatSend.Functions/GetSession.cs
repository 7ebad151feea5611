using ChatSend.Http;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>GET /sessions/{id}</c>. Anonymous at the Functions level: <see cref="ApiMiddleware"/> checks the API key.</summary>
public sealed class GetSession(GetSessionHandler handler)
{
    [Function(ApiEndpoints.GetSession)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiEndpoints.SessionRoute)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        await handler.HandleAsync(request, id, cancellationToken);
}
