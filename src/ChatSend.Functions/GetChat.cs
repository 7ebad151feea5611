using ChatSend.Chats;
using ChatSend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary><c>GET /sessions/{session}/chats/{chat}</c>. Anonymous at the Functions level: <see cref="ApiMiddleware"/> checks the API key.</summary>
public sealed class GetChat(GetChatHandler handler)
{
    [Function(ApiEndpoints.GetChat)]
    public async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiEndpoints.ChatRoute)] HttpRequest request,
        string session,
        string chat,
        CancellationToken cancellationToken) =>
        await handler.HandleAsync(request, session, chat, cancellationToken);
}
