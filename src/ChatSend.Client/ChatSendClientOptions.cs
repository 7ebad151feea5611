using Microsoft.Extensions.Options;

namespace ChatSend.Client;

/// <summary>Where ChatSend is, the API key to call it with, and how hard to retry.</summary>
public sealed class ChatSendClientOptions
{
    /// <summary>ChatSend's base URL, such as <c>https://chatsend.example.com/</c>. Required.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The API key, sent as <c>Authorization: Bearer</c>; never logged. Required.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Retries after the first attempt, 0 to 10.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry's delay when the server gives no <c>Retry-After</c>; it doubles with each retry (with jitter).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between attempts; a <c>Retry-After</c> beyond it ends the retries.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one attempt may take; a send waits for ChatSend to fetch its media (up to a minute by default).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(100);
}

internal sealed class ChatSendClientOptionsValidator : IValidateOptions<ChatSendClientOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatSendClientOptions options)
    {
        var failures = new List<string>();
        if (options.BaseAddress is not { IsAbsoluteUri: true, Scheme: "http" or "https" })
            failures.Add("ChatSendClientOptions.BaseAddress must be an absolute http or https URL.");
        if (string.IsNullOrWhiteSpace(options.ApiKey))
            failures.Add("ChatSendClientOptions.ApiKey is required.");
        else if (options.ApiKey.Any(c => c is <= ' ' or > '~'))
            failures.Add("ChatSendClientOptions.ApiKey must be printable ASCII without spaces.");
        if (options.MaxRetries is < 0 or > 10)
            failures.Add("ChatSendClientOptions.MaxRetries must be from 0 to 10.");
        if (options.RetryBaseDelay < TimeSpan.Zero || options.MaxRetryDelay < options.RetryBaseDelay)
            failures.Add("ChatSendClientOptions.RetryBaseDelay must be zero or more and at most MaxRetryDelay.");
        if (options.AttemptTimeout <= TimeSpan.Zero)
            failures.Add("ChatSendClientOptions.AttemptTimeout must be positive.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
