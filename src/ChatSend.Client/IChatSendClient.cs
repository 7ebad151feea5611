namespace ChatSend.Client;

/// <summary>ChatSend's message API: send, read, list and cancel. <see cref="ChatSendClient"/> implements it.</summary>
public interface IChatSendClient
{
    /// <summary>Sends a message (<c>POST /send</c>) under an <c>Idempotency-Key</c>, retrying safely when no answer comes.</summary>
    /// <param name="request">The message.</param>
    /// <param name="idempotencyKey">Your own key (1–255 printable ASCII characters) to make the send repeatable beyond
    /// this call; a new one per call when null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ChatSendProblemException">ChatSend refused the message.</exception>
    /// <exception cref="ChatSendException">No answer came after every retry.</exception>
    Task<AcceptedMessage> SendAsync(SendMessageRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>Reads a message with its status history (<c>GET /messages/{id}</c>).</summary>
    Task<ChatSendMessage> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Reads one page of a session's messages, newest first (<c>GET /messages?session=…</c>).</summary>
    Task<MessagePage> ListAsync(string session, MessageFilter? filter = null, PageRequest? page = null, CancellationToken cancellationToken = default);

    /// <summary>Reads every message of a session that <paramref name="filter"/> lets through, newest first, page after page.</summary>
    IAsyncEnumerable<ChatSendMessage> ListAllAsync(string session, MessageFilter? filter = null, int? pageSize = null,
        CancellationToken cancellationToken = default);

    /// <summary>Cancels a scheduled or queued message that no delivery attempt has started (<c>DELETE /messages/{id}</c>).</summary>
    /// <exception cref="ChatSendProblemException">409 when an attempt has started; 404 for an unknown id.</exception>
    Task<ChatSendMessage> CancelAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a message's file (<c>GET /messages/{id}/media</c>) as a stream, read as it arrives; dispose it when done.
    /// </summary>
    /// <exception cref="ChatSendProblemException">404 for no file (or one not kept any more); 409 while a customer's file is being fetched.</exception>
    Task<MessageFile> GetMediaAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Marks a customer's message read at the provider (<c>POST /messages/{id}/read</c>); repeating it is harmless.</summary>
    /// <exception cref="ChatSendProblemException">409 for a message the session sent; 404 for an unknown id.</exception>
    Task<ChatSendMessage> MarkReadAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Lists the WhatsApp templates of a session's account, every status (<c>GET /sessions/{session}/templates</c>).</summary>
    /// <exception cref="ChatSendProblemException">404 for a session the key does not cover; 422 for a provider without templates.</exception>
    Task<TemplateCatalog> ListTemplatesAsync(string session, CancellationToken cancellationToken = default);

    /// <summary>
    /// A chat's 24-hour window: when its customer last wrote, until when free-form messages may go, and whether the number
    /// is on WhatsApp where the provider can tell (<c>GET /sessions/{session}/chats/{chat}</c>).
    /// </summary>
    /// <exception cref="ChatSendProblemException">404 for a session the key does not cover; 400 for a chat that is not a number or group.</exception>
    Task<ChatWindow> GetChatAsync(string session, string chat, CancellationToken cancellationToken = default);
}
