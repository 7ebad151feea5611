using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatSend.Client;

/// <summary>
/// ChatSend answered with an error: its RFC 9457 problem details. <see cref="Errors"/> names each field (or header)
/// at fault, as ChatSend's validation problems do: <c>{"errors":{"to":["must be a valid phone number…"]}}</c>.
/// </summary>
public sealed class ChatSendProblemException : ChatSendException
{
    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    /// <summary>Creates the exception.</summary>
    public ChatSendProblemException(int status, string? title, string? detail, string? type,
        IReadOnlyDictionary<string, string[]>? errors = null, string? idempotencyKey = null, TimeSpan? retryAfter = null)
        : base(Describe(status, title, detail), idempotencyKey)
    {
        Status = status;
        Title = title;
        Detail = detail;
        Type = type;
        Errors = errors ?? NoErrors;
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status code.</summary>
    public int Status { get; }

    /// <summary>A short summary of the problem type.</summary>
    public string? Title { get; }

    /// <summary>What went wrong in this request.</summary>
    public string? Detail { get; }

    /// <summary>A URI that identifies the problem type.</summary>
    public string? Type { get; }

    /// <summary>The field (or header) at fault → what is wrong with it; empty when the problem names no field.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>The server's <c>Retry-After</c>, when it gave one (a 409 for a send still running, a 429 or a 503).</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// True when the answer was that a send with the same <c>Idempotency-Key</c> is still running (409 with
    /// <c>Retry-After</c>): its outcome is not known yet, so send again with the same key later.
    /// </summary>
    public bool IsSendInProgress => Status == 409 && RetryAfter is not null;

    internal static async Task<ChatSendProblemException> ReadAsync(HttpResponseMessage response, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var retryAfter = RetryAfterOf(response.Headers.RetryAfter, DateTimeOffset.UtcNow);
        var body = await ReadBodyAsync(response, cancellationToken);
        return body is null
            ? new ChatSendProblemException(status, response.ReasonPhrase, null, null, null, idempotencyKey, retryAfter)
            : new ChatSendProblemException(status, body.Title ?? response.ReasonPhrase, body.Detail, body.Type, body.Errors,
                idempotencyKey, retryAfter);
    }

    internal static TimeSpan? RetryAfterOf(RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };

    private static async Task<ProblemBody?> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType is not { } media || !media.EndsWith("json", StringComparison.OrdinalIgnoreCase))
            return null;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await JsonSerializer.DeserializeAsync(stream, ClientJson.Default.ProblemBody, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Describe(int status, string? title, string? detail) =>
        $"ChatSend answered {status}" + (title is null ? "" : $": {title}") + (detail is null ? "" : $" ({detail})");
}

/// <summary>RFC 9457 problem details as ChatSend writes them, validation <c>errors</c> included.</summary>
internal sealed record ProblemBody(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("title")] string? Title,
    [property: JsonPropertyName("status")] int? Status,
    [property: JsonPropertyName("detail")] string? Detail,
    [property: JsonPropertyName("errors")] Dictionary<string, string[]>? Errors);
