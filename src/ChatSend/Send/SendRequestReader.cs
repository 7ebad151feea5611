using System.Net.Http.Headers;
using ChatSend.Http;
using Microsoft.AspNetCore.Http;

namespace ChatSend.Send;

/// <summary>Reads the body of <c>POST /send</c> into a <see cref="SendCommand"/>; every problem names the field or header at fault.</summary>
public static class SendRequestReader
{
    public const int MaxBodyBytes = 64 * 1024;

    private static readonly IReadOnlyList<string> FieldOrder = [JsonBody.Field, .. JsonBody.FieldOrder<SendRequest>()];

    /// <summary>The raw body, if it is JSON and within the limit; its bytes are what <c>Idempotency-Key</c> compares.</summary>
    public static async Task<Step<byte[]>> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
            return Problems.Field(StatusCodes.Status415UnsupportedMediaType, "The body must be JSON.", "Content-Type",
                $"must be application/json, not '{request.ContentType}'");

        var body = await RequestBody.ReadAsync(request, MaxBodyBytes, cancellationToken);
        if (body is null)
            return Problems.Field(StatusCodes.Status413PayloadTooLarge, "The body is too large.", JsonBody.Field,
                $"must be at most {MaxBodyBytes} bytes");
        return body;
    }

    /// <summary>Parses and validates a JSON body; times (<c>sendAt</c>) are checked against <paramref name="now"/>.</summary>
    public static Step<SendCommand> Read(ReadOnlyMemory<byte> json, DateTimeOffset now)
    {
        var errors = new FieldErrors();
        var request = JsonBody.Read<SendRequest>(json, errors);
        if (request.Failed(out var problem))
            return problem;
        return SendRequestValidator.Validate(request.Value!, errors, now) is { } command
            ? command
            : Problems.Validation(errors.ToDictionary(FieldOrder));
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && parsed.MediaType is { } media
        && (media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase)));
}
