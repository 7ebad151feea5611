using ChatSend.Client;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.Client;

/// <summary>The client reads a message's file as a stream, with what the message says of it, from the local host on Azurite.</summary>
public sealed class ClientMediaTests(Azurite azurite, MediaServer media) : IClassFixture<Azurite>, IClassFixture<MediaServer>, IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32" });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task AMessagesFileOpensAsAStreamWithItsTypeNameAndLength()
    {
        var (session, key) = await _app.NewSessionAsync();
        using var services = new ClientServices(_app.Http.BaseAddress!, key);
        var bytes = MediaServer.FileBytes("pdf", 40_000);

        var accepted = await services.Client.SendAsync(new SendMessageRequest
        {
            Session = session.Id, To = "+12025550123", DocumentUrl = media.Url("/file/pdf/40000?type=application/pdf"), Filename = "invoice.pdf",
        });
        await using var file = await services.Client.GetMediaAsync(accepted.Id);
        using var read = new MemoryStream();
        await file.Content.CopyToAsync(read);

        Assert.Equal(bytes, read.ToArray());
        Assert.Equal(("application/pdf", "invoice.pdf", 40_000L), (file.MimeType, file.FileName, file.Length));
        var shown = (await services.Client.GetAsync(accepted.Id)).Media!;
        Assert.Equal(($"/messages/{accepted.Id}/media", "application/pdf", 40_000L, MediaServer.Sha256(bytes)), (shown.Url, shown.Mimetype, shown.Size, shown.Sha256));
    }

    [Fact]
    public async Task AMessageWithoutAFileIsAProblemNotAStream()
    {
        var (session, key) = await _app.NewSessionAsync();
        using var services = new ClientServices(_app.Http.BaseAddress!, key);
        var accepted = await services.Client.SendAsync(new SendMessageRequest { Session = session.Id, To = "+12025550123", Text = "no file" });

        var problem = await Assert.ThrowsAsync<ChatSendProblemException>(() => services.Client.GetMediaAsync(accepted.Id));

        Assert.Equal(404, problem.Status);
    }
}
