using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Azure.Data.Tables;
using ChatSend.Delivery;
using ChatSend.Messages;
using ChatSend.Queues;
using ChatSend.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Bench;

/// <summary>
/// POST /send (text, no Idempotency-Key) through the local host over HTTP, its queue listeners off or on; and its
/// floor, a loop doing only the table insert and the queue put with the same storage clients and entity. A second
/// floor writes the row with its work marker in one transaction, as /send must (the marker is what finds a message
/// whose job was lost), so the report can tell the cost of that guarantee from the cost of the code around it. A third
/// adds the chat's index row, so it writes what an unordered send writes: Azurite's cost per write grows with the
/// partition's rows, and a send leaves three where the second floor leaves two.
/// </summary>
internal static class SendRun
{
    public const string Floor = "floor";
    public const string FloorWithMarker = "floor-marker";
    public const string FloorWithEntry = "floor-entry";
    public const string ListenersOff = "listeners-off";
    public const string ListenersOffChats = "listeners-off-chats";
    public const string ListenersOffUnordered = "listeners-off-unordered";
    public const string ListenersOn = "listeners-on";

    /// <summary>
    /// The chats <see cref="ListenersOffChats"/> sends go to, round-robin: four times the most sends at once. With as many
    /// chats as sends at once, each chat's next send came about when its last one ended (a closed loop's latency is its
    /// round), so any slow one made the next wait its turn, and one chat's sends 6-8 s each (64 at once, load 15).
    /// </summary>
    public const int Chats = 256;

    public static Task<RunResult> RunAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter) =>
        spec.Side is Floor or FloorWithMarker or FloorWithEntry ? FloorAsync(spec, azurite, counter) : ProductAsync(spec, azurite, counter);

    private static async Task<RunResult> ProductAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter)
    {
        await using var app = BenchHost.CreateHost(azurite, counter, listeners: spec.Side == ListenersOn);
        var session = await BenchHost.CreateSessionAsync(app.Services, FakeProvider.ProviderName);
        var key = await BenchHost.CreateKeyAsync(app.Services, session);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        async Task SendAsync(int i)
        {
            var to = spec.Side == ListenersOffChats ? OrderRun.ChatOf(i, Chats) : "+12025550123";
            var ordered = spec.Side == ListenersOffUnordered ? ""","ordered":false""" : "";
            var body = $$"""{"session":"{{session.Id}}","to":"{{to}}","text":"bench message {{i:00000}}"{{ordered}}}""";
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync("send", content);
            if (response.StatusCode != HttpStatusCode.Accepted)
                throw new InvalidOperationException($"POST /send answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var result = await Measure.WarmThenLoadAsync(spec, counter, SendAsync);
        await app.StopAsync();
        return result;
    }

    private static async Task<RunResult> FloorAsync(RunSpec spec, Azurite azurite, StorageCallCounter counter)
    {
        await using var services = BenchHost.CreateServices(azurite, counter);
        var session = await BenchHost.CreateSessionAsync(services, FakeProvider.ProviderName);
        var storage = services.GetRequiredService<StorageClients>();
        var table = storage.Table(StorageNames.MessagesTable);
        var queue = storage.Queue(StorageNames.DeliveriesQueue);

        async Task InsertAndPutAsync(int i)
        {
            var message = BenchHost.NewMessage(session, i);
            if (spec.Side is FloorWithMarker or FloorWithEntry)
                await table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, message),
                    new TableTransactionAction(TableTransactionActionType.Add, WorkMarker.For(message.MessageId, DateTimeOffset.UtcNow.AddMinutes(1))),
                    .. spec.Side == FloorWithEntry ? [new TableTransactionAction(TableTransactionActionType.UpsertReplace, ChatEntry(message))] : Array.Empty<TableTransactionAction>(),
                ]);
            else
                await table.AddEntityAsync(message);
            await queue.SendMessageAsync(QueueMessages.Serialize(new DeliveryJob(message.MessageId)), null, TimeSpan.FromSeconds(-1));
        }

        return await Measure.WarmThenLoadAsync(spec, counter, InsertAndPutAsync);
    }

    // The chat's index row an unordered send writes beside its row and marker (MessageStore's).
    private static TableEntity ChatEntry(MessageEntity message) =>
        new(message.PartitionKey, MessageRowKeys.ChatEntryOf(message.ChatOrRecipient, message.MessageId)) { ["Direction"] = message.Direction };
}
