using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using ChatSend.Auth;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.EndToEnd;

/// <summary>
/// A session whose chats are spread over four partitions of the messages table, through the local host over Azurite: its
/// listing stays newest first and pages exactly; each chat's rows lie in one partition, the chats apart; an id finds its
/// message wherever it lies; and a session and messages stored before sessions had partitions keep their ids.
/// </summary>
public sealed class SessionPartitionsTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private const int Four = 4;
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(azurite);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body)> CallAsync(HttpMethod method, string path, string key, string? json = null)
    {
        var response = await _app.Http.SendAsync(_app.Request(method, path, key, json));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? Json.Parse(text) : default);
    }

    private async Task<string> SendAsync(string key, string session, string to)
    {
        var (status, body) = await CallAsync(HttpMethod.Post, "/send", key, $$"""{"session":"{{session}}","to":"{{to}}","text":"hi"}""");
        Assert.Equal(HttpStatusCode.Accepted, status);
        return body.Str("id");
    }

    private static List<string> Ids(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(m => m.Str("id")).ToList();

    private Task<JsonElement> WaitForStatusAsync(string key, string id, string status) =>
        Eventually.MatchesAsync(async () => (await CallAsync(HttpMethod.Get, $"/messages/{id}", key)).Body, m => m.Str("status") == status);

    [Fact]
    public async Task ListingIsNewestFirstAcrossFourPartitionsAndItsCursorResumesWithNothingMissedOrRepeatedWhileMessagesArrive()
    {
        var (session, key) = await _app.NewSessionAsync(partitions: Four);
        var sent = new List<string>();
        for (var n = 0; n < 2; n++)
            for (var partition = 0; partition < Four; partition++) // two chats in each partition, sent to in turn
                sent.Add(await SendAsync(key, session.Id, TestSessions.RecipientIn(partition, Four, n)));
        Assert.Equal(Four, sent.Select(id => MessageId.Parse(id).PartitionKey).Distinct().Count());

        var (listed, arrived, pages) = (new List<string>(), new List<string>(), 0);
        string? cursor = null;
        do
        {
            var (status, page) = await CallAsync(HttpMethod.Get, $"/messages?session={session.Id}&limit=2{(cursor is null ? "" : "&cursor=" + cursor)}", key);
            Assert.Equal(HttpStatusCode.OK, status);
            listed.AddRange(Ids(page));
            pages++;
            cursor = page.GetProperty("next").GetString();
            // Between pages a new message arrives, in each partition in turn: newer than every page, so on none of them.
            arrived.Add(await SendAsync(key, session.Id, TestSessions.RecipientIn(arrived.Count % Four, Four, 2)));
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Reverse(sent), listed);
        Assert.Equal(4, pages);
        var (_, all) = await CallAsync(HttpMethod.Get, $"/messages?session={session.Id}&limit=200", key);
        Assert.Equal([.. Enumerable.Reverse(arrived), .. Enumerable.Reverse(sent)], Ids(all));
    }

    [Fact]
    public async Task ChatsLieInDifferentPartitionsAndEachChatsRowsInOne()
    {
        var (session, key) = await _app.NewSessionAsync(partitions: Four);
        var (one, two) = (TestSessions.RecipientIn(1, Four), TestSessions.RecipientIn(2, Four));
        var toOne = await SendAsync(key, session.Id, one);
        var toTwo = await SendAsync(key, session.Id, two);
        var (received, fromOne) = await CallAsync(HttpMethod.Post, $"/sandbox/sessions/{session.Id}/inbound", key, $$"""{"from":"{{one}}","text":"thanks"}""");
        Assert.Equal(HttpStatusCode.Accepted, received);
        await WaitForStatusAsync(key, toOne, "read");
        await WaitForStatusAsync(key, toTwo, "read");

        Assert.Equal(($"{session.Id}~1", $"{session.Id}~2", $"{session.Id}~1"),
            (MessageId.Parse(toOne).PartitionKey, MessageId.Parse(toTwo).PartitionKey, MessageId.Parse(fromOne.Str("id")).PartitionKey));
        var table = azurite.Clients.Table(StorageNames.MessagesTable);
        var rows = new List<TableEntity>();
        foreach (var partition in MessagePartitions.All(session))
            rows.AddRange(await table.QueryAsync<TableEntity>(e => e.PartitionKey == partition).ToListAsync());
        // The messages, their chat entries and the chats' records, the customer's provider id: each in its chat's partition.
        Assert.Equal(["+", "+", "~~~c:", "~~~c:", "~~~h:", "~~~p:"], rows.Where(r => r.PartitionKey == $"{session.Id}~1").Select(Kind));
        Assert.Equal(["+", "~~~c:", "~~~h:"], rows.Where(r => r.PartitionKey == $"{session.Id}~2").Select(Kind));
        Assert.All(rows, r => Assert.Equal(MessagePartitions.For(session, ChatOf(r, rows)), r.PartitionKey));
        Assert.DoesNotContain(rows, r => r.PartitionKey == session.Id || r.PartitionKey == $"{session.Id}~3");
    }

    /// <summary>A row's kind: <c>+</c> for a message, else its row key's prefix.</summary>
    private static string Kind(TableEntity row) =>
        MessageRowKeys.Messages.Contains(row.RowKey) ? "+" : row.RowKey[..(row.RowKey.IndexOf(':') + 1)];

    /// <summary>The chat a row belongs to: a message's own, else the one its row key or the message it names says.</summary>
    private static string ChatOf(TableEntity row, List<TableEntity> rows)
    {
        if (MessageRowKeys.Messages.Contains(row.RowKey))
            return row.GetString("Chat");
        if (row.GetString("MessageId") is { } id) // a provider id's entry
            return rows.Single(r => r.RowKey == MessageId.Parse(id).RowKey).GetString("Chat");
        var rest = row.RowKey[(row.RowKey.IndexOf(':') + 1)..];
        return Uri.UnescapeDataString(rest.Contains(':') ? rest[..rest.IndexOf(':')] : rest);
    }

    [Fact]
    public async Task AMessageInPartitionThreeIsOnePointReadByItsIdAndOnlyItsSessionsKeysFindIt()
    {
        var (session, key) = await _app.NewSessionAsync(partitions: Four);
        var (_, otherKey) = await _app.NewSessionAsync(partitions: Four);
        var to = TestSessions.RecipientIn(3, Four);
        var id = await SendAsync(key, session.Id, to);
        Assert.StartsWith($"msg_{session.Id}~3_", id);

        var (status, message) = await CallAsync(HttpMethod.Get, $"/messages/{id}", key);
        var (foreign, problem) = await CallAsync(HttpMethod.Get, $"/messages/{id}", otherKey);
        var (_, chat) = await CallAsync(HttpMethod.Get, $"/messages?session={session.Id}&chat={Uri.EscapeDataString(to)}", key);

        Assert.Equal((HttpStatusCode.OK, id, to), (status, message.Str("id"), message.Str("to")));
        Assert.Equal((HttpStatusCode.NotFound, 404), (foreign, problem.GetProperty("status").GetInt32()));
        Assert.Equal([id], Ids(chat));
    }

    [Fact]
    public async Task ASessionAndAMessageStoredBeforeSessionsHadPartitionsKeepTheirIdAndAreFound()
    {
        // As the version before wrote them: the session without a number of partitions, the message in the session's partition.
        var session = "old" + Guid.NewGuid().ToString("N")[..10];
        await azurite.Clients.Table(StorageNames.SessionsTable).AddEntityAsync(new TableEntity(session, "session")
        {
            ["SenderPhone"] = "+15550100001", ["Provider"] = SandboxProvider.ProviderName, ["ProviderSettings"] = "{}", ["SecretNames"] = "{}",
            ["Enabled"] = true,
        });
        var key = await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session]);
        var id = $"msg_{session}_{MessageId.NewRowKey(DateTimeOffset.UtcNow.AddMinutes(-5))}";
        await azurite.Clients.Table(StorageNames.MessagesTable).AddEntityAsync(new MessageEntity
        {
            PartitionKey = session, RowKey = id[^26..], Id = id, To = "+12025550123", Recipient = "+12025550123", Content = "before",
            Text = "before", Type = "text", Status = "delivered", AcceptedAt = DateTimeOffset.UtcNow.AddMinutes(-5), Sender = "+15550100001",
        });

        var (status, message) = await CallAsync(HttpMethod.Get, $"/messages/{id}", key);
        var (_, view) = await CallAsync(HttpMethod.Get, $"/sessions/{session}", key);
        var newer = await SendAsync(key, session, "+12025550123");
        var (_, listed) = await CallAsync(HttpMethod.Get, $"/messages?session={session}", key);

        Assert.Equal((HttpStatusCode.OK, "delivered"), (status, message.Str("status")));
        Assert.Equal(1, view.GetProperty("partitions").GetInt32());
        Assert.StartsWith($"msg_{session}_", newer);
        Assert.Equal([newer, id], Ids(listed));
    }

    [Theory]
    [InlineData("22ead4e3ee816371tcvmkcxzc")] // a row key one short
    [InlineData("msg_t1_22ead4e3ee816371tcvmkcxzci")] // a message id is no cursor
    [InlineData("%7E")]
    public async Task ABadCursorOfAFourPartitionSessionIs400NamingIt(string cursor)
    {
        var (session, key) = await _app.NewSessionAsync(partitions: Four);

        var response = await _app.Http.SendAsync(_app.Request(HttpMethod.Get, $"/messages?session={session.Id}&cursor={cursor}", key));
        var problem = await Json.ReadAsync(response);

        Assert.Equal((HttpStatusCode.BadRequest, "application/problem+json"), (response.StatusCode, response.Content.Headers.ContentType?.MediaType));
        Assert.Equal(["is not a cursor from a previous page"], problem.GetProperty("errors").GetProperty("cursor").EnumerateArray().Select(e => e.GetString()));
    }
}
