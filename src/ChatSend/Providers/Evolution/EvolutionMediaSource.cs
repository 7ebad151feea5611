using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ChatSend.Inbound;
using ChatSend.Sessions;

namespace ChatSend.Providers.Evolution;

/// <summary>
/// The file of a customer's message on Evolution API v2: <c>POST /chat/getBase64FromMediaMessage/{instance}</c> with the
/// message's key (https://doc.evolution-api.com/v2/api-reference/chat-controller/get-base64). Evolution finds the message
/// it stored by <c>key.id</c> (whatsapp.baileys.service.ts, <c>getMessage</c>: the server must keep messages,
/// <c>DATABASE_SAVE_DATA_NEW_MESSAGE=true</c> as its .env.example has it), downloads it from WhatsApp and answers 201
/// <c>{mediaType, fileName, caption, size: {fileLength, …}, mimetype, base64}</c>. The base64 is decoded as it arrives:
/// neither the answer nor the file is held whole. The wait for the answer's headers is timed like every Evolution call
/// (<see cref="EvolutionProvider.Timeout"/>); the body is read as the caller reads it, under the caller's cancellation.
/// Failures are <see cref="ProviderException"/>s: 429, 5xx, timeouts, a cut transfer and a disconnected instance
/// transient; a refused apikey, an unknown instance (404) and a message Evolution cannot find or download (400, e.g.
/// "Message not found") permanent.
/// </summary>
public sealed class EvolutionMediaSource(IHttpClientFactory httpClients, ProviderSecrets secrets, TimeProvider time) : IInboundMediaSource
{
    public string Provider => EvolutionProvider.ProviderName;

    public async Task<InboundFile> OpenAsync(Session session, string reference, CancellationToken cancellationToken)
    {
        var media = EvolutionMediaReference.Parse(reference)
            ?? throw new ProviderException("the message's Evolution media reference is not readable", transient: false);
        var api = EvolutionApi.For(session, httpClients, secrets, time);
        // chat.dto.ts getBase64FromMediaMessageDto: {message: proto.WebMessageInfo, convertToMp4?}; the file as it was sent.
        var body = new JsonObject
        {
            ["message"] = new JsonObject { ["key"] = new JsonObject { ["id"] = media.KeyId } },
            ["convertToMp4"] = false,
        };
        var response = await api.SendAsync(HttpMethod.Post, $"chat/getBase64FromMediaMessage/{api.Instance}", body, cancellationToken,
            HttpCompletionOption.ResponseHeadersRead);
        try
        {
            if (!response.IsSuccessStatusCode)
                throw api.Failure(response, await EvolutionApi.ReadJsonAsync(response, cancellationToken));
            var source = await response.Content.ReadAsStreamAsync(cancellationToken);
            var answer = await Base64Answer.OpenAsync(source, cancellationToken);
            return new InboundFile(answer.Content, answer.MimeType ?? media.MimeType, answer.FileName ?? media.FileName, answer.Length, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}

/// <summary>
/// What <see cref="EvolutionCallback"/> keeps of a customer's media message to fetch its file later
/// (<see cref="Callbacks.InboundReport.Media"/>): the WhatsApp key of the message, and the type and name the webhook gave,
/// used when the download's answer has none. <c>{"keyId":"3EB0…","remoteJid":"…@s.whatsapp.net","fromMe":false,
/// "participant":"…","mimetype":"image/jpeg","fileName":"…"}</c>.
/// </summary>
public sealed record EvolutionMediaReference(
    [property: JsonPropertyName("keyId")] string KeyId,
    [property: JsonPropertyName("remoteJid")] string RemoteJid,
    [property: JsonPropertyName("fromMe")] bool FromMe,
    [property: JsonPropertyName("participant")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Participant,
    [property: JsonPropertyName("mimetype")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? MimeType,
    [property: JsonPropertyName("fileName")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FileName)
{
    public string ToJson() => JsonSerializer.Serialize(this, EvolutionMediaJson.Default.EvolutionMediaReference);

    public static EvolutionMediaReference? Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, EvolutionMediaJson.Default.EvolutionMediaReference) is { KeyId.Length: > 0 } reference ? reference : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSerializable(typeof(EvolutionMediaReference))]
internal sealed partial class EvolutionMediaJson : JsonSerializerContext;

/// <summary>
/// getBase64FromMediaMessage's answer, read as it streams in: the top-level properties before <c>base64</c> (Evolution
/// writes <c>mediaType, fileName, caption, size, mimetype</c> first) are read with <see cref="Utf8JsonReader"/>, then the
/// <c>base64</c> string itself is handed over as a stream that decodes it chunk by chunk
/// (<see cref="Base64JsonStringStream"/>).
/// </summary>
internal static class Base64Answer
{
    /// <summary>The properties before <c>base64</c> are small; this much before it is not Evolution's answer.</summary>
    private const int MaxPrefixBytes = 1024 * 1024;

    public sealed record Opened(Stream Content, string? MimeType, string? FileName, long? Length);

    public static async Task<Opened> OpenAsync(Stream source, CancellationToken cancellationToken)
    {
        var scanner = new Scanner();
        var buffer = new byte[Base64JsonStringStream.ChunkBytes];
        var length = 0;
        var ended = false;
        try
        {
            while (true)
            {
                var start = scanner.Scan(buffer.AsSpan(0, length), ended, out var consumed);
                if (start >= 0)
                    return new Opened(new Base64JsonStringStream(source, buffer, start, length), scanner.MimeType, scanner.FileName, scanner.Length);
                if (ended)
                    throw new ProviderException("Evolution API answered without the file (its answer has no base64)", transient: false);
                buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
                length -= consumed;
                if (length == buffer.Length)
                {
                    if (buffer.Length >= MaxPrefixBytes)
                        throw new ProviderException("Evolution API's answer is not getBase64FromMediaMessage's", transient: false);
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
                var read = await Base64JsonStringStream.ReadSourceAsync(source, buffer.AsMemory(length), cancellationToken);
                length += read;
                ended = read == 0;
            }
        }
        catch (JsonException ex)
        {
            await source.DisposeAsync();
            throw new ProviderException("Evolution API's answer to getBase64FromMediaMessage is not a JSON object", transient: false, inner: ex);
        }
        catch
        {
            await source.DisposeAsync();
            throw;
        }
    }

    /// <summary>Walks the answer's tokens up to the <c>base64</c> property, keeping <c>mimetype</c>, <c>fileName</c> and <c>size.fileLength</c>.</summary>
    private sealed class Scanner
    {
        private JsonReaderState _state;
        private string? _property;
        private string? _sizeProperty;
        private bool _base64Named;

        public string? MimeType { get; private set; }
        public string? FileName { get; private set; }
        public long? Length { get; private set; }

        /// <returns>Where the base64 text starts in <paramref name="data"/> (after its opening quote), or -1 when more is needed.</returns>
        public int Scan(ReadOnlySpan<byte> data, bool final, out int consumed)
        {
            consumed = 0;
            if (!_base64Named)
            {
                var reader = new Utf8JsonReader(data, final, _state);
                while (!_base64Named && reader.Read())
                    Take(ref reader);
                _state = reader.CurrentState;
                consumed = (int)reader.BytesConsumed;
                if (!_base64Named)
                    return -1;
            }
            // After the property name (the reader may have taken the colon or not), the value must be a string.
            for (var i = consumed; i < data.Length; i++)
            {
                switch (data[i])
                {
                    case (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)':':
                        continue;
                    case (byte)'"':
                        consumed = i + 1;
                        return i + 1;
                    default:
                        throw new ProviderException("Evolution API answered without the file (its base64 is not a string)", transient: false);
                }
            }
            consumed = data.Length;
            return -1;
        }

        private void Take(ref Utf8JsonReader reader)
        {
            switch (reader.TokenType, reader.CurrentDepth)
            {
                case (JsonTokenType.StartObject or JsonTokenType.EndObject, 0):
                    break;
                case (_, 0):
                    throw new JsonException("the answer is not a JSON object");
                case (JsonTokenType.PropertyName, 1):
                    _base64Named = reader.ValueTextEquals("base64"u8);
                    _property = reader.GetString();
                    break;
                case (JsonTokenType.String, 1) when _property == "mimetype":
                    MimeType = reader.GetString();
                    break;
                case (JsonTokenType.String, 1) when _property == "fileName":
                    FileName = reader.GetString();
                    break;
                case (JsonTokenType.PropertyName, 2) when _property == "size":
                    _sizeProperty = reader.GetString();
                    break;
                // size.fileLength: a number, or the string a protobuf Long is written as.
                case (JsonTokenType.Number, 2) when _property == "size" && _sizeProperty == "fileLength":
                    Length = reader.TryGetInt64(out var number) && number >= 0 ? number : null;
                    break;
                case (JsonTokenType.String, 2) when _property == "size" && _sizeProperty == "fileLength":
                    Length = long.TryParse(reader.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var text) ? text : null;
                    break;
            }
        }
    }
}

/// <summary>
/// The content of a JSON string holding base64, decoded as it is read: bytes come from the source a chunk at a time, JSON
/// escapes (<c>\/</c>, <c>\u002B</c>, …) are undone, and whole base64 blocks are decoded; it ends at the string's closing
/// quote. At most a chunk of each is held. A source that ends first is a transient <see cref="ProviderException"/> (the
/// transfer was cut); text that is not base64 a permanent one.
/// </summary>
internal sealed class Base64JsonStringStream : Stream
{
    public const int ChunkBytes = 16 * 1024;

    private readonly Stream _source;
    private byte[] _raw;
    private int _rawStart;
    private int _rawEnd;
    private readonly byte[] _chars = new byte[ChunkBytes];
    private int _charCount;
    private readonly byte[] _decoded = new byte[ChunkBytes / 4 * 3];
    private int _decodedStart;
    private int _decodedEnd;
    private bool _closed;
    private bool _done;

    /// <param name="raw">What has been read of the answer; from <paramref name="start"/> to <paramref name="end"/> it is the string's text.</param>
    public Base64JsonStringStream(Stream source, byte[] raw, int start, int end)
    {
        _source = source;
        _raw = raw.Length >= ChunkBytes ? raw : new byte[ChunkBytes];
        if (!ReferenceEquals(_raw, raw))
            raw.AsSpan(start, end - start).CopyTo(_raw);
        (_rawStart, _rawEnd) = ReferenceEquals(_raw, raw) ? (start, end) : (0, end - start);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int served;
        while ((served = TryServe(buffer)) < 0)
        {
            Compact();
            int read;
            try
            {
                read = _source.Read(_raw, _rawEnd, _raw.Length - _rawEnd);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                throw Cut(ex);
            }
            Filled(read);
        }
        return served;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int served;
        while ((served = TryServe(buffer.Span)) < 0)
        {
            Compact();
            Filled(await ReadSourceAsync(_source, _raw.AsMemory(_rawEnd), cancellationToken));
        }
        return served;
    }

    /// <summary>A read of the answer, a broken connection being a transient failure.</summary>
    public static async ValueTask<int> ReadSourceAsync(Stream source, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await source.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            throw Cut(ex);
        }
    }

    /// <summary>Decoded bytes into <paramref name="destination"/>: how many, 0 at the end of the string, -1 when more must be read.</summary>
    private int TryServe(Span<byte> destination)
    {
        while (true)
        {
            if (_decodedStart < _decodedEnd)
            {
                var n = Math.Min(destination.Length, _decodedEnd - _decodedStart);
                _decoded.AsSpan(_decodedStart, n).CopyTo(destination);
                _decodedStart += n;
                return n;
            }
            if (_done || destination.IsEmpty)
                return 0;
            if (Unescape() || Decode())
                continue;
            return -1;
        }
    }

    /// <summary>Moves the string's characters from what was read into <see cref="_chars"/>; false when none could be.</summary>
    private bool Unescape()
    {
        var moved = false;
        while (!_closed && _rawStart < _rawEnd && _charCount < _chars.Length)
        {
            var b = _raw[_rawStart];
            var taken = 1;
            if (b == (byte)'"')
            {
                _closed = true;
                _rawStart++;
                return true;
            }
            if (b == (byte)'\\')
            {
                if (_rawEnd - _rawStart < 2 || _raw[_rawStart + 1] == (byte)'u' && _rawEnd - _rawStart < 6)
                    break; // the rest of the escape is still to come
                (b, taken) = _raw[_rawStart + 1] switch
                {
                    (byte)'/' => ((byte)'/', 2),
                    (byte)'n' or (byte)'r' or (byte)'t' => ((byte)' ', 2),
                    (byte)'u' when int.TryParse(_raw.AsSpan(_rawStart + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code)
                        && code < 0x80 => ((byte)code, 6),
                    _ => throw NotBase64(),
                };
            }
            _rawStart += taken;
            moved = true;
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                _chars[_charCount++] = b;
        }
        return moved;
    }

    /// <summary>Decodes the whole blocks held (all of them once the string has closed); false when nothing came of it.</summary>
    private bool Decode()
    {
        if (_charCount == 0 && !_closed)
            return false;
        var status = Base64.DecodeFromUtf8(_chars.AsSpan(0, _charCount), _decoded, out var consumed, out var written, isFinalBlock: _closed);
        if (status == OperationStatus.InvalidData || _closed && status == OperationStatus.NeedMoreData)
            throw NotBase64();
        _chars.AsSpan(consumed, _charCount - consumed).CopyTo(_chars);
        _charCount -= consumed;
        (_decodedStart, _decodedEnd) = (0, written);
        _done = _closed && status == OperationStatus.Done;
        return written > 0 || _done;
    }

    private void Compact()
    {
        _raw.AsSpan(_rawStart, _rawEnd - _rawStart).CopyTo(_raw);
        (_rawStart, _rawEnd) = (0, _rawEnd - _rawStart);
    }

    private void Filled(int read)
    {
        if (read == 0)
            throw new ProviderException("Evolution API's answer ended before the file did", transient: true);
        _rawEnd += read;
    }

    private static ProviderException Cut(Exception ex) =>
        new($"Evolution API's answer was cut off: {ex.Message}", transient: true, inner: ex);

    private static ProviderException NotBase64() =>
        new("Evolution API answered a file that is not base64", transient: false);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _source.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        await base.DisposeAsync();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
