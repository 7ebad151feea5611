namespace ChatSend.Client;

/// <summary>
/// A ChatSend call that did not succeed. When no answer came (the connection kept failing after every retry) this
/// is the exception itself, with the transport error inside; an answer with an error status is a
/// <see cref="ChatSendProblemException"/>.
/// </summary>
public class ChatSendException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ChatSendException(string message, string? idempotencyKey = null, Exception? innerException = null)
        : base(message, innerException) => IdempotencyKey = idempotencyKey;

    /// <summary>
    /// For a send: its <c>Idempotency-Key</c>. Whatever the failure, sending the same request again with this key
    /// (within 24 hours) cannot send the message twice; ChatSend answers with the original outcome if there was one.
    /// </summary>
    public string? IdempotencyKey { get; }
}
