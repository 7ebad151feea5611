using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ChatSend.Client.Http;
using Microsoft.Extensions.Options;

namespace ChatSend.Client;

/// <summary>
/// ChatSend's message API over HTTP. Register it with <c>services.AddChatSendClient(...)</c>; the
/// <see cref="HttpClient"/> comes from <c>IHttpClientFactory</c> and carries the retries.
/// </summary>
public sealed class ChatSendClient(HttpClient http, IOptions<ChatSendClientOptions> options) : IChatSendClient
{
    private const string ReplayedHeader = "Idempotent-Replayed";
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    private readonly string _apiKey = options.Value.ApiKey;

    /// <inheritdoc/>
    public async Task<AcceptedMessage> SendAsync(SendMessageRequest request, string? idempotencyKey = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = idempotencyKey ?? Guid.NewGuid().ToString();
        if (key.Length is < 1 or > 255 || key.Any(c => c is < ' ' or > '~'))
            throw new ArgumentException("An Idempotency-Key is 1 to 255 printable ASCII characters.", nameof(idempotencyKey));
        using var message = Request(HttpMethod.Post, "send");
        message.Headers.Add(RetryHandler.IdempotencyKeyHeader, key);
        message.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request, ClientJson.Default.SendMessageRequest))
        {
            Headers = { ContentType = Json },
        };
        using var response = await SendRequestAsync(message, key, cancellationToken);
        var accepted = await ReadAsync(response, ClientJson.Default.ChatSendMessage, cancellationToken);
        var location = response.Headers.Location is { } l ? new Uri(response.RequestMessage?.RequestUri ?? http.BaseAddress!, l) : null;
        var replayed = response.Headers.TryGetValues(ReplayedHeader, out var values) && values.Contains("true", StringComparer.OrdinalIgnoreCase);
        return new AcceptedMessage(accepted, location, key, replayed);
    }

    /// <inheritdoc/>
    public Task<ChatSendMessage> GetAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Get, MessagePath(id), ClientJson.Default.ChatSendMessage, cancellationToken);

    /// <inheritdoc/>
    public Task<ChatSendMessage> CancelAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Delete, MessagePath(id), ClientJson.Default.ChatSendMessage, cancellationToken);

    /// <inheritdoc/>
    public Task<ChatSendMessage> MarkReadAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Post, MessagePath(id) + "/read", ClientJson.Default.ChatSendMessage, cancellationToken);

    /// <inheritdoc/>
    public Task<TemplateCatalog> ListTemplatesAsync(string session, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Get, $"sessions/{Uri.EscapeDataString(session)}/templates", ClientJson.Default.TemplateCatalog, cancellationToken);

    /// <inheritdoc/>
    public Task<ChatWindow> GetChatAsync(string session, string chat, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Get, $"sessions/{Uri.EscapeDataString(session)}/chats/{Uri.EscapeDataString(chat)}", ClientJson.Default.ChatWindow, cancellationToken);

    /// <inheritdoc/>
    public async Task<MessageFile> GetMediaAsync(string id, CancellationToken cancellationToken = default)
    {
        using var request = Request(HttpMethod.Get, MessagePath(id) + "/media");
        request.Headers.Accept.ParseAdd("*/*");
        var response = await SendRequestAsync(request, idempotencyKey: null, cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        var headers = response.Content.Headers;
        return new MessageFile(await response.Content.ReadAsStreamAsync(cancellationToken), headers.ContentType?.MediaType,
            headers.ContentDisposition?.FileNameStar ?? headers.ContentDisposition?.FileName?.Trim('"'), headers.ContentLength, response);
    }

    /// <inheritdoc/>
    public Task<MessagePage> ListAsync(string session, MessageFilter? filter = null, PageRequest? page = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(session);
        var query = new StringBuilder("messages?session=").Append(Uri.EscapeDataString(session));
        Append(query, "limit", page?.Limit?.ToString(CultureInfo.InvariantCulture));
        Append(query, "cursor", page?.Cursor);
        Append(query, "status", filter?.Status?.Value);
        Append(query, "to", filter?.To);
        Append(query, "since", Time(filter?.Since));
        Append(query, "until", Time(filter?.Until));
        Append(query, "chat", filter?.Chat);
        Append(query, "direction", filter?.Direction);
        return CallAsync(HttpMethod.Get, query.ToString(), ClientJson.Default.MessagePage, cancellationToken);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatSendMessage> ListAllAsync(string session, MessageFilter? filter = null, int? pageSize = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? cursor = null;
        do
        {
            var page = await ListAsync(session, filter, new PageRequest(pageSize, cursor), cancellationToken);
            foreach (var message in page.Items)
                yield return message;
            cursor = page.Next;
        }
        while (cursor is not null);
    }

    private async Task<T> CallAsync<T>(HttpMethod method, string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var request = Request(method, path);
        using var response = await SendRequestAsync(request, idempotencyKey: null, cancellationToken);
        return await ReadAsync(response, type, cancellationToken);
    }

    private HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("application/problem+json");
        return request;
    }

    private async Task<HttpResponseMessage> SendRequestAsync(HttpRequestMessage request, string? idempotencyKey, CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, completion, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or IOException && !cancellationToken.IsCancellationRequested)
        {
            throw new ChatSendException(
                $"ChatSend gave no answer to {request.Method} /{request.RequestUri?.OriginalString.Split('?')[0]} ({ex.Message})"
                + (idempotencyKey is null ? "." : "; send again with the same Idempotency-Key to learn the outcome."), idempotencyKey, ex);
        }
        if (response.IsSuccessStatusCode)
            return response;
        using (response)
            throw await ChatSendProblemException.ReadAsync(response, idempotencyKey, cancellationToken);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonSerializer.DeserializeAsync(stream, type, cancellationToken)
               ?? throw new ChatSendException($"ChatSend answered {(int)response.StatusCode} with an empty body.");
    }

    private static string MessagePath(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return "messages/" + Uri.EscapeDataString(id);
    }

    private static void Append(StringBuilder query, string name, string? value)
    {
        if (value is not null)
            query.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
    }

    private static string? Time(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
