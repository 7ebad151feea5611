namespace ChatSend.Client;

/// <summary>A webhook request that is not a genuine, fresh ChatSend event: answer it 401 (or 400) and ignore it.</summary>
public sealed class WebhookVerificationException(string message, Exception? innerException = null) : Exception(message, innerException);
