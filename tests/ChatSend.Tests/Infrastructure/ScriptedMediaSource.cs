using System.Collections.Concurrent;
using System.Text.Json;
using ChatSend.Inbound;
using ChatSend.Providers;
using ChatSend.Sessions;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// The scripted provider's customers' files: the reference says what the file is and how opening it goes, as JSON
/// (<see cref="Reference"/>): <c>format</c> and <c>size</c> of the bytes (<see cref="MediaServer.FileBytes"/>), the
/// <c>mimetype</c> and <c>filename</c> the provider declares, <c>outcome</c> = <c>ok</c> | <c>transient</c> |
/// <c>permanent</c> | <c>broken</c> (the stream breaks after its first 100 bytes), for <c>transient</c> and <c>broken</c>
/// optionally <c>failures</c> = N before the file opens. It counts the opens per <c>key</c>.
/// </summary>
public sealed class ScriptedMediaSource : IInboundMediaSource
{
    private readonly ConcurrentDictionary<string, int> _opens = new();

    public string Provider => ScriptedProvider.ProviderName;

    public int OpensOf(string key) => _opens.GetValueOrDefault(key);

    public static string Reference(string key, string format = "jpeg", long size = 1000, string? mimetype = "image/jpeg", string outcome = "ok",
        int failures = 1000, string? filename = null) =>
        JsonSerializer.Serialize(new { key, format, size, mimetype, outcome, failures, filename });

    public Task<InboundFile> OpenAsync(Session session, string reference, CancellationToken cancellationToken)
    {
        var script = JsonDocument.Parse(reference).RootElement;
        var key = script.GetProperty("key").GetString()!;
        var open = _opens.AddOrUpdate(key, 1, (_, n) => n + 1);
        var bytes = MediaServer.FileBytes(script.GetProperty("format").GetString()!, script.GetProperty("size").GetInt64());
        var failing = open <= script.GetProperty("failures").GetInt32();
        Stream content = script.GetProperty("outcome").GetString() switch
        {
            "transient" when failing => throw new ProviderException("the provider answered 503", transient: true),
            "permanent" => throw new ProviderException("the provider no longer has this file", transient: false),
            "broken" when failing => new BreakingStream(bytes.AsMemory(0, 100).ToArray()),
            _ => new MemoryStream(bytes, writable: false),
        };
        return Task.FromResult(new InboundFile(content, script.GetProperty("mimetype").GetString(),
            script.TryGetProperty("filename", out var name) ? name.GetString() : null, bytes.Length));
    }

    /// <summary>Gives its bytes, then fails as a connection that drops.</summary>
    private sealed class BreakingStream(byte[] start) : MemoryStream(start, writable: false)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer, cancellationToken);
            return read > 0 ? read : throw new IOException("injected: the provider's connection dropped");
        }
    }
}
