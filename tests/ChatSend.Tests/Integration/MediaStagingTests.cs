using ChatSend.Delivery;
using System.Text.Json;
using Azure.Storage.Blobs;
using ChatSend.Media;
using ChatSend.Messages;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.Integration;

/// <summary>POST /send with media, through the real handler, against a media server on 127.0.0.1 and Azurite.</summary>
public sealed class MediaStagingTests(Azurite azurite, MediaServer media) : IClassFixture<Azurite>, IClassFixture<MediaServer>, IAsyncLifetime
{
    private const long Limit = 16 * 1024 * 1024;
    private TestServices _services = null!;
    private (ChatSend.Sessions.Session Session, string Key) _sender;
    private BlobContainerClient Media => azurite.Clients.Blobs.GetBlobContainerClient(StorageNames.MediaContainer);

    public async Task InitializeAsync()
    {
        _services = new TestServices(azurite, new Dictionary<string, string?>
        {
            ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32", // the media server, and nothing else private
        });
        _sender = await _services.NewSessionAsync();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private Task<(int Status, MessageView? Message, Microsoft.AspNetCore.Http.HttpResponse Response)> SendAsync(string field, string url, string extra = "") =>
        _services.SendAsync(_sender.Key, $$"""{"session":"{{_sender.Session.Id}}","to":"+12025550123","{{field}}":{{JsonSerializer.Serialize(url)}}{{extra}}}""");

    private async Task<JsonElement> SendRefusedAsync(int status, string field, string url, string extra = "")
    {
        var (result, _) = await _services.SendRawAsync(_sender.Key,
            $$"""{"session":"{{_sender.Session.Id}}","to":"+12025550123","{{field}}":{{JsonSerializer.Serialize(url)}}{{extra}}}""");
        var problem = Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult>(result);
        Assert.Equal(status, problem.StatusCode);
        await AssertNothingKeptAsync();
        return JsonSerializer.SerializeToElement(problem.ProblemDetails, problem.ProblemDetails.GetType());
    }

    private async Task AssertNothingKeptAsync()
    {
        // No row and no work marker: nothing in the session's partition.
        Assert.Empty(await azurite.Clients.Table(StorageNames.MessagesTable)
            .QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == _sender.Session.Id).ToListAsync());
        var blobs = new List<string>();
        await foreach (var blob in Media.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"msg_{_sender.Session.Id}_", CancellationToken.None))
            blobs.Add(blob.Name);
        Assert.Empty(blobs);
    }

    private async Task<(MessageEntity Row, BlobClient Blob)> StoredAsync(MessageView? view)
    {
        MessageId.TryParse(view!.Id, out var id);
        var row = (await _services.Get<MessageStore>().FindAsync(id))!;
        return (row, Media.GetBlobClient(row.MediaBlob));
    }

    [Fact]
    public async Task ExactlySixteenMegabytesIsStagedWithItsTypeNameAndHash()
    {
        var (status, view, _) = await SendAsync("imageUrl", media.Url($"/file/jpeg/{Limit}?type=image/jpeg"), ""","text":"the view" """);
        Assert.Equal(202, status);
        Assert.Equal((ChatSend.Send.MessageType.Image, "the view"), (view!.Type, view.Content));

        var (row, blob) = await StoredAsync(view);
        var properties = (await blob.GetPropertiesAsync()).Value;
        var expectedSha = MediaServer.Sha256(MediaServer.FileBytes("jpeg", Limit));
        Assert.Equal(Limit, properties.ContentLength);
        Assert.Equal("image/jpeg", properties.ContentType);
        Assert.Equal(expectedSha, properties.Metadata[MediaStager.Sha256Metadata]);
        Assert.Equal((expectedSha, Limit, "image/jpeg", Limit.ToString()), (row.MediaSha256, row.MediaLength, row.MimeType, row.FileName));
        Assert.Contains($"filename=\"{Limit}\"", properties.ContentDisposition);
    }

    [Fact]
    public async Task OneByteOverTheLimitIsRefusedByItsDeclaredLength()
    {
        var problem = await SendRefusedAsync(413, "imageUrl", media.Url($"/file/jpeg/{Limit + 1}?type=image/jpeg"));
        Assert.Contains("16777216", problem.GetProperty("errors").GetProperty("imageUrl")[0].GetString());
    }

    [Fact]
    public async Task OneByteOverTheLimitIsRefusedWhenChunked() =>
        await SendRefusedAsync(413, "imageUrl", media.Url($"/file/jpeg/{Limit + 1}?type=image/jpeg&chunked=true"));

    [Fact]
    public async Task OneByteOverTheLimitIsRefusedWithoutAnyLength()
    {
        await using var server = new RawServer(MediaServer.FileBytes("jpeg", Limit + 1), declaredLength: null);
        await SendRefusedAsync(413, "imageUrl", server.Url);
    }

    [Fact]
    public async Task ALyingContentLengthNeverGetsMoreThanItDeclaredIntoStorage()
    {
        await using var server = new RawServer(MediaServer.FileBytes("jpeg", Limit + 1024), declaredLength: 1000);
        var (status, view, _) = await SendAsync("imageUrl", server.Url);
        Assert.Equal(202, status);
        var (row, blob) = await StoredAsync(view);
        Assert.Equal(1000, (await blob.GetPropertiesAsync()).Value.ContentLength);
        Assert.Equal(MediaServer.Sha256(MediaServer.FileBytes("jpeg", Limit + 1024)[..1000]), row.MediaSha256);
    }

    [Fact]
    public async Task ABodyShorterThanDeclaredIs422()
    {
        await using var server = new RawServer(MediaServer.FileBytes("jpeg", 100), declaredLength: 5000);
        await SendRefusedAsync(422, "imageUrl", server.Url);
    }

    [Fact]
    public async Task ABodyThatBreaksAfterSeveralBlocksIs422AndLeavesNoBlob()
    {
        await using var server = new RawServer(MediaServer.FileBytes("jpeg", 3 * MediaStager.BlockSize + 1000), declaredLength: Limit);
        var problem = await SendRefusedAsync(422, "imageUrl", server.Url);
        Assert.Contains("connection broke", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task StorageFailingWhileBlocksAreInFlightIs503AndLeavesNoBlob()
    {
        for (var i = 0; i < 20; i++) // every try of every call after the first block, whichever lands first
            _services.Faults.Next(Fault.Refuse, skip: 1, "PUT media/");

        var (result, _) = await _services.SendRawAsync(_sender.Key, $$"""{"session":"{{_sender.Session.Id}}","to":"+12025550123","imageUrl":"{{media.Url($"/file/jpeg/{Limit}")}}"}""");

        Assert.Equal(503, Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult>(result).StatusCode);
        await AssertNothingKeptAsync();
    }

    [Fact]
    public async Task FilesStagedTogetherEachKeepTheirOwnBytes()
    {
        // More blocks than there are buffers, so files wait for each other's buffers, which must never mix.
        var sizes = Enumerable.Range(1, 6).Select(i => 2L * MediaStager.BlockSize + i * 1000).ToList();
        var sent = await Task.WhenAll(sizes.Select(size => SendAsync("imageUrl", media.Url($"/file/jpeg/{size}?type=image/jpeg"))));

        foreach (var ((status, view, _), size) in sent.Zip(sizes))
        {
            Assert.Equal(202, status);
            var (row, blob) = await StoredAsync(view);
            Assert.Equal(size, (await blob.GetPropertiesAsync()).Value.ContentLength);
            Assert.Equal(MediaServer.Sha256(MediaServer.FileBytes("jpeg", size)), row.MediaSha256);
            Assert.Equal(row.MediaSha256, MediaServer.Sha256((await blob.DownloadContentAsync()).Value.Content.ToArray()));
        }
    }

    [Fact]
    public async Task StagingsThatFailMidwayGiveTheirBuffersBack()
    {
        await using var broken = new RawServer(MediaServer.FileBytes("jpeg", 2 * MediaStager.BlockSize + 1000), declaredLength: Limit);
        for (var i = 0; i < MediaStager.BlocksInMemory; i++)
        {
            await SendRefusedAsync(413, "imageUrl", media.Url($"/file/jpeg/{Limit + 1}?type=image/jpeg&chunked=true"));
            await SendRefusedAsync(422, "imageUrl", broken.Url);
        }

        Assert.Equal(MediaStager.BlocksInMemory, _services.Get<MediaStager>().Buffers.Available);
        var (status, _, _) = await SendAsync("imageUrl", media.Url($"/file/jpeg/{Limit}?type=image/jpeg"));
        Assert.Equal(202, status);
    }

    [Fact]
    public async Task MediaHostsThatStallDoNotHoldUpOtherSends()
    {
        await _services.DisposeAsync();
        _services = new TestServices(azurite, new Dictionary<string, string?>
        {
            ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32",
            ["ChatSend:Media:Timeout"] = "00:00:08",
        });
        // More stalled fetches than shared buffers, each holding the block it fills until it times out.
        var stalled = Enumerable.Range(0, MediaStager.BlocksInMemory + 1).Select(_ => SendAsync("imageUrl", media.Url("/trickle"))).ToList();
        await Eventually.MatchesAsync(() => Task.FromResult(_services.Get<MediaStager>().Buffers.Available), free => free == 0);

        var (status, _, _) = await SendAsync("imageUrl", media.Url($"/file/jpeg/{Limit}?type=image/jpeg"));

        Assert.Equal(202, status);
        Assert.DoesNotContain(stalled, s => s.IsCompleted); // it went ahead while they were still stalled
        Assert.All(await Task.WhenAll(stalled), s => Assert.Equal(422, s.Status));
        Assert.Equal(MediaStager.BlocksInMemory, _services.Get<MediaStager>().Buffers.Available);
    }

    [Fact]
    public async Task ASlowServerTripsTheTimeout()
    {
        // The other tests keep the default minute, so a busy machine never turns a size test into a timeout.
        await _services.DisposeAsync();
        _services = new TestServices(azurite, new Dictionary<string, string?>
        {
            ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32",
            ["ChatSend:Media:Timeout"] = "00:00:02",
        });
        var problem = await SendRefusedAsync(422, "imageUrl", media.Url("/slow?ms=10000"));
        Assert.Contains("timed out after 2 s", problem.GetProperty("detail").GetString());
        var trickle = await SendRefusedAsync(422, "imageUrl", media.Url("/trickle"));
        Assert.Contains("timed out", trickle.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ARedirectToAPrivateAddressIsRefused()
    {
        // 127.0.0.2 serves the same files, but is outside the allowed range: the guard must stop the second hop.
        var hidden = media.SecondHostUrl("/file/jpeg/100?type=image/jpeg");
        var problem = await SendRefusedAsync(422, "imageUrl", media.Url($"/redirect?to={Uri.EscapeDataString(hidden)}"));
        Assert.Contains("private", problem.GetProperty("detail").GetString());

        foreach (var spelling in new[] { hidden, $"http://2130706434:{media.SecondHostPort}/file/jpeg/100", $"http://[::ffff:127.0.0.2]:{media.SecondHostPort}/file/jpeg/100" })
            Assert.Contains("private", (await SendRefusedAsync(422, "imageUrl", spelling)).GetProperty("detail").GetString());
    }

    /// <summary>The guard refuses these before connecting: no packet leaves for them.</summary>
    [Theory]
    [InlineData("http://[::ffff:0:a9fe:a9fe]/x.jpg")] // SIIT IPv4-translated 169.254.169.254
    [InlineData("http://[64:ff9b:1::a9fe:a9fe]/x.jpg")] // local-use NAT64 of 169.254.169.254
    public async Task MediaAtAnIPv6AddressCarryingAPrivateIPv4AddressIsRefused(string url) =>
        Assert.Contains("private", (await SendRefusedAsync(422, "imageUrl", url)).GetProperty("detail").GetString());

    [Fact]
    public async Task ThreeRedirectsAreFollowedAndAFourthIsNot()
    {
        var file = Uri.EscapeDataString(media.Url("/file/png/100?type=image/png"));
        var (status, _, _) = await SendAsync("imageUrl", media.Url($"/hops/3?to={file}"));
        Assert.Equal(202, status);

        var anotherSender = _sender;
        _sender = await _services.NewSessionAsync();
        var problem = await SendRefusedAsync(422, "imageUrl", media.Url($"/hops/4?to={file}"));
        Assert.Contains("redirects", problem.GetProperty("detail").GetString());
        _sender = anotherSender;
    }

    [Theory]
    [InlineData(404)]
    [InlineData(500)]
    public async Task UpstreamErrorsAre422SayingWhatTheServerAnswered(int code)
    {
        var problem = await SendRefusedAsync(422, "videoUrl", media.Url($"/status/{code}"));
        Assert.Contains($"answered {code}", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AnUnreachableServerIs422()
    {
        using var gone = new ClosedPort();
        await SendRefusedAsync(422, "documentUrl", $"{gone.BaseUrl}/gone.pdf");
    }

    [Fact]
    public async Task BytesThatDoNotMatchTheTypeAre415()
    {
        await SendRefusedAsync(415, "imageUrl", media.Url("/file/text/100?type=image/jpeg"));
        var mismatch = await SendRefusedAsync(415, "imageUrl", media.Url("/file/jpeg/100"), ""","mimetype":"image/png" """);
        Assert.True(mismatch.GetProperty("errors").TryGetProperty("mimetype", out _));
        await SendRefusedAsync(415, "imageUrl", media.Url("/file/jpeg/100?type=text/html"));
        await SendRefusedAsync(415, "imageUrl", media.Url("/file/jpeg/100?type=image/bmp"));
        await SendRefusedAsync(415, "documentUrl", media.Url("/file/text/100?type=application/pdf"));
    }

    [Fact]
    public async Task TheTypeComesFromTheUrlOrTheBytesWhenTheServerDoesNotSay()
    {
        var (_, fromBytes, _) = await SendAsync("audioUrl", media.Url("/file/ogg/300"));
        Assert.Equal("audio/ogg", (await StoredAsync(fromBytes)).Row.MimeType);
        var (_, document, _) = await SendAsync("documentUrl", media.Url("/file/text/300?name=notes.zip"));
        var (row, _) = await StoredAsync(document);
        Assert.Equal(("application/octet-stream", "notes.zip"), (row.MimeType, row.FileName));
    }

    [Fact]
    public async Task TheUrlsExtensionNamesTheTypeWhenTheServerDoesNotAndTheBytesMustAgree()
    {
        var (_, png, _) = await SendAsync("imageUrl", media.Url("/as/png/300/photo.png"));
        Assert.Equal(("image/png", "photo.png"), ((await StoredAsync(png)).Row.MimeType, (await StoredAsync(png)).Row.FileName));

        _sender = await _services.NewSessionAsync();
        await SendRefusedAsync(415, "imageUrl", media.Url("/as/jpeg/300/photo.png"));
    }

    [Fact]
    public async Task ADocumentTakesTheServersFileNameUnlessTheClientGivesOne()
    {
        var (_, served, _) = await SendAsync("documentUrl", media.Url("/file/pdf/300?type=application/pdf&name=Q3.pdf"));
        Assert.Equal("Q3.pdf", (await StoredAsync(served)).Row.FileName);
        var (_, named, _) = await SendAsync("documentUrl", media.Url("/file/pdf/300?type=application/pdf&name=Q3.pdf"), ""","filename":"../../etc/final.pdf" """);
        Assert.Equal("final.pdf", (await StoredAsync(named)).Row.FileName);
    }

    [Fact]
    public async Task StagedMediaIsDeletedWhenTheMessageCannotBeRecorded()
    {
        for (var i = 0; i < 3; i++) // each try of the row-and-marker transaction
            _services.Faults.Next(Fault.Refuse, "POST $batch");

        var (result, _) = await _services.SendRawAsync(_sender.Key, $$"""{"session":"{{_sender.Session.Id}}","to":"+12025550123","imageUrl":"{{media.Url("/file/jpeg/5000")}}"}""");

        Assert.Equal(503, Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult>(result).StatusCode);
        await AssertNothingKeptAsync();
    }

    [Fact]
    public async Task MediaChangedAfterStagingIsRefusedByTheProviderAndTheMessageFails()
    {
        // Driven step by step (no listeners) so the blob can be changed between staging and delivery; the sandbox
        // downloads it by its SAS link as a provider would.
        var services = _services;
        var (session, key) = await services.NewSessionAsync(ChatSend.Providers.SandboxProvider.ProviderName);
        var (status, view, _) = await services.SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+12025550123","imageUrl":"{{media.Url("/file/png/2000")}}"}""");
        Assert.Equal(202, status);
        MessageId.TryParse(view!.Id, out var id);
        var row = await services.Get<MessageStore>().FindAsync(id);
        await azurite.Clients.Blobs.GetBlobContainerClient(StorageNames.MediaContainer).GetBlobClient(row!.MediaBlob)
            .UploadAsync(BinaryData.FromBytes(MediaServer.FileBytes("png", 1999)), overwrite: true);

        await services.Get<DeliveryProcessor>().HandleAsync(new DeliveryJob(id), CancellationToken.None);

        var failed = await services.Get<MessageStore>().FindAsync(id);
        Assert.Equal("failed", failed!.Status);
        Assert.Contains("SHA-256", failed.FailureReason);
    }

    [Fact]
    public async Task MediaLeftByAWorkerThatDiedBeforeItsMessageWasRecordedIsSweptAfterAnHour()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var services = new TestServices(azurite.ConnectionString,
            new Dictionary<string, string?> { ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32" }, clock);
        var (session, key) = await services.NewSessionAsync();
        services.Faults.Next(Fault.Die, skip: 1, "PUT media/"); // the block list commit lands, then the worker dies

        var (status, _, _) = await services.SendAsync(key, $$"""{"session":"{{session.Id}}","to":"+12025550123","imageUrl":"{{media.Url("/file/jpeg/5000")}}"}""");

        Assert.Equal(500, status);
        Assert.Empty(await services.Get<MessageStore>().ListAsync(session, 10));
        var orphan = Assert.Single(await Media.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"msg_{session.Id}_", CancellationToken.None).ToListAsync());
        clock.Advance(TimeSpan.FromMinutes(61));
        await services.Get<ChatSend.Sweeping.Sweeper>().RunAsync();
        Assert.False((await Media.GetBlobClient(orphan.Name).ExistsAsync()).Value);
    }
}
