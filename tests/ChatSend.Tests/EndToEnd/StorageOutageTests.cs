using System.Net;
using ChatSend.Messages;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>Azurite services are stopped while the host runs: clients get 503, never a 500, and nothing is half-written.</summary>
public sealed class StorageOutageTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["ChatSend:Delivery:SweepAfter"] = "00:00:02",
        ["ChatSend:Sweeper:Interval"] = "00:00:01",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private Task<HttpResponseMessage> SendAsync(string session, string key) =>
        _app.Http.SendAsync(_app.Request(HttpMethod.Post, "/send", key, $$"""{"session":"{{session}}","to":"+12025550123","text":"hello"}"""));

    private static async Task Assert503Async(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        Assert.DoesNotContain("   at ", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AMessageAcceptedWhileTheQueueIsDownIsDeliveredOnceItIsBack()
    {
        var (session, key) = await _app.NewSessionAsync();
        string id;
        await azurite.StopAsync(AzuriteService.Queue);
        try
        {
            // The row and its work marker are written together; the job is only a trigger, so this is a 202.
            using var accepted = await SendAsync(session.Id, key);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            id = (await Json.ReadAsync(accepted)).Str("id");
            var row = await _app.Services.GetRequiredService<MessageStore>().FindAsync(MessageId.Parse(id));
            Assert.Equal(("queued", true), (row!.Status, row.HasMarker));
        }
        finally
        {
            await azurite.StartAsync(AzuriteService.Queue); // in memory: it comes back with empty queues
        }

        // The sweeper finds the marker due and queues the job; the sandbox takes it to read.
        var read = await Eventually.MatchesAsync(() => _app.Services.GetRequiredService<MessageStore>().FindAsync(MessageId.Parse(id)),
            m => m?.Status == "read");
        Assert.Equal(["queued", "sent", "delivered", "read"], read!.GetHistory().Select(h => h.Status.ToWire()));
        Assert.False(read.HasMarker);
    }

    [Fact]
    public async Task AllStorageDownAnswers503ForSendAndGet()
    {
        var (session, key) = await _app.NewSessionAsync();
        using var before = await SendAsync(session.Id, key);
        var id = (await Json.ReadAsync(before)).Str("id");

        foreach (var service in Enum.GetValues<AzuriteService>())
            await azurite.StopAsync(service);
        try
        {
            using var send = await SendAsync(session.Id, key);
            await Assert503Async(send);
            using var get = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages/{id}", key));
            await Assert503Async(get);
        }
        finally
        {
            foreach (var service in Enum.GetValues<AzuriteService>())
                await azurite.StartAsync(service);
        }
    }
}
