using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace ChatSend.Http;

/// <summary>Reads a request body into memory, up to a limit, for handlers that need its raw bytes (to parse, or to check a signature).</summary>
public static class RequestBody
{
    /// <summary>
    /// The body, or null as soon as it is over <paramref name="maxBytes"/>, whatever Content-Length said (a declared
    /// length over the limit is refused before reading). A body that cannot be read is the client's fault: 400.
    /// </summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
            return null;
        using var buffer = new MemoryStream();
        // Pooled: a new chunk was 16 KB of every request's garbage, more than the rest of POST /send's handler allocates.
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int read;
            while ((read = await ReadClientAsync(request.Body, chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                    return null;
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private const int ChunkSize = 16384;

    /// <summary>
    /// Kestrel reports most broken framing as a BadHttpRequestException, but some (a chunk size that overflows) as a
    /// plain IOException, which would pass for a storage failure: every failure to read the body is the client's.
    /// </summary>
    private static async Task<int> ReadClientAsync(Stream body, byte[] chunk, CancellationToken cancellationToken)
    {
        try
        {
            return await body.ReadAsync(chunk, cancellationToken);
        }
        catch (IOException ex) when (ex is not BadHttpRequestException)
        {
            throw new BadHttpRequestException(ex.Message, StatusCodes.Status400BadRequest, ex);
        }
    }
}
