using System.Security.Cryptography;
using System.Text.Json;
using ChatSend.Auth;
using ChatSend.Http;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Sessions;
using ChatSend.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Send.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> around <c>POST /send</c>, per the contract: scoped to the API key, remembered 24 hours.
/// The first request takes the key (insert-if-absent) and reserves its message id. A repeat with the same body gets
/// the original answer with <c>Idempotent-Replayed: true</c> (a 202 rebuilt from its message row, a 4xx as stored);
/// with another body, 422; while the first is still running, 409. A first request that died without an answer is
/// taken over once it can no longer be running (<see cref="InFlightLease"/>): what it wrote is found first, so
/// nothing is doubled.
/// </summary>
public sealed partial class IdempotentSend(IdempotencyStore records, MessageStore messages, SessionStore sessions, IOptions<MediaOptions> media,
    TimeProvider time, ILogger<IdempotentSend> logger)
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);
    private const int InFlightRetryAfterSeconds = 1;

    /// <summary>
    /// Longer than any request can run (its media fetch is bounded by <see cref="MediaOptions.Timeout"/>, its storage
    /// calls by their retries), so a request is only taken over once it is certainly dead.
    /// </summary>
    public TimeSpan InFlightLease => media.Value.Timeout + TimeSpan.FromMinutes(2);

    /// <summary>The request's key: none, a valid one, or the 400 naming the header.</summary>
    public static Step<string?> KeyOf(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(Header, out var values))
            return (string?)null;
        if (values is not [{ Length: >= 1 and <= MaxKeyLength } key] || key.Any(c => c is < ' ' or > '~'))
            return Problems.Field(StatusCodes.Status400BadRequest, "The Idempotency-Key header is not valid.", Header,
                $"must be one value of 1 to {MaxKeyLength} printable ASCII characters");
        return key;
    }

    public async Task<Results<Accepted<MessageView>, ProblemHttpResult>> RunAsync(HttpContext http, ApiKeyScope caller, string key,
        byte[] body, Func<string, Task<Results<Accepted<MessageView>, ProblemHttpResult>>> send)
    {
        var now = time.GetUtcNow();
        var record = IdempotencyRecord.New(caller.KeyId, key, Convert.ToHexStringLower(SHA256.HashData(body)), MessageId.NewRowKey(now), now, Window);
        if (await records.TryAddAsync(record, CancellationToken.None) is { } existing)
        {
            (var earlier, record) = await EarlierAnswerAsync(http, existing, record, body, now);
            if (earlier is not null)
                return earlier;
        }
        try
        {
            var answer = await send(record.MessageRowKey);
            if (answer.Result is ProblemHttpResult problem)
                await KeepAsync(record, problem);
            return answer;
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            await ForgetAsync(record); // a 503 kept nothing: a retry with this key starts afresh
            throw;
        }
    }

    /// <summary>
    /// The answer for a repeat; or no answer and the record this request goes ahead with, having taken over the key
    /// (an expired key starts afresh; a dead request's key keeps its reserved message id).
    /// </summary>
    private async Task<(Results<Accepted<MessageView>, ProblemHttpResult>?, IdempotencyRecord)> EarlierAnswerAsync(HttpContext http,
        IdempotencyRecord existing, IdempotencyRecord mine, byte[] body, DateTimeOffset now)
    {
        if (existing.ExpiresAt <= now)
        {
            mine.ETag = existing.ETag;
            if (await records.TryReplaceAsync(mine, CancellationToken.None))
                return (null, mine);
            return (InFlight(http), mine);
        }
        if (existing.BodySha256 != mine.BodySha256)
            return (Problems.Field(StatusCodes.Status422UnprocessableEntity, "The Idempotency-Key was used with another body.", Header,
                "was already used with a different request body; use a new key for a new message"), existing);
        // A message, once accepted under this key, is the answer, whatever a later try stored.
        if (await AcceptedAsync(existing, body) is { } row)
            return (Replayed(http, TypedResults.Accepted($"/messages/{row.Id}", MessageView.Accepted(row))), existing);
        if (existing.AnswerStatus is not null && existing.AnswerBody is { } stored)
            return (Replayed(http, TypedResults.Problem(JsonSerializer.Deserialize<HttpValidationProblemDetails>(stored)!)), existing);
        if (existing.TakenAt + InFlightLease > now)
            return (InFlight(http), existing);
        // The first request is dead and wrote no message (checked above); a fresh id lists it by when it is sent now.
        existing.TakenAt = now;
        existing.MessageRowKey = MessageId.NewRowKey(now);
        if (!await records.TryReplaceAsync(existing, CancellationToken.None))
            return (InFlight(http), existing);
        LogTakenOver(existing.PartitionKey);
        return (null, existing);
    }

    // The message the first request reserved, if it was accepted: its session and chat (so its partition) come from the same body.
    private async Task<MessageEntity?> AcceptedAsync(IdempotencyRecord record, byte[] body)
    {
        var request = JsonBody.Read<SendRequest>(body, new FieldErrors());
        if (request.Value is not { Session: { } id, To: { } to } || !SessionId.IsValid(id) || Recipient.Parse(to) is not { } chat)
            return null;
        var session = await sessions.FindAsync(id, CancellationToken.None);
        var partition = session is null ? id : MessagePartitions.For(session, chat.Value);
        return await messages.FindAsync(new MessageId(partition, record.MessageRowKey), CancellationToken.None);
    }

    private async Task KeepAsync(IdempotencyRecord record, ProblemHttpResult problem)
    {
        record.AnswerStatus = problem.StatusCode;
        record.AnswerBody = JsonSerializer.Serialize(problem.ProblemDetails, problem.ProblemDetails.GetType());
        try
        {
            await records.TryReplaceAsync(record, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            LogNotKept(record.PartitionKey, ex); // a repeat runs the request again, which keeps nothing either
        }
    }

    private async Task ForgetAsync(IdempotencyRecord record)
    {
        try
        {
            await records.RemoveAsync(record, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            LogNotKept(record.PartitionKey, ex); // a repeat takes it over once the lease has passed
        }
    }

    private static T Replayed<T>(HttpContext http, T result)
    {
        http.Response.Headers[ReplayedHeader] = "true";
        return result;
    }

    private static ProblemHttpResult InFlight(HttpContext http)
    {
        http.Response.Headers.RetryAfter = InFlightRetryAfterSeconds.ToString();
        return Problems.Field(StatusCodes.Status409Conflict, "A request with this Idempotency-Key is in progress.", Header,
            "the first request with this key has not finished; retry after it does");
    }

    [LoggerMessage(LogLevel.Warning, "Idempotency-Key of API key {KeyId}: taken over from a request that stopped without an answer")]
    private partial void LogTakenOver(string keyId);

    [LoggerMessage(LogLevel.Warning, "Idempotency-Key of API key {KeyId}: the outcome could not be stored")]
    private partial void LogNotKept(string keyId, Exception exception);
}
