using System.Text.Json;
using Azure.Data.Tables;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Sessions;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Integration;

/// <summary>
/// Cloud API callbacks name a phone number id; its sessions are found through the index row each session write keeps
/// beside the session. Two TestServices over one Azurite stand for two instances on one fake clock: a session created,
/// renumbered or deleted on one is routed so at once there, and on the other within the cache lifetime (at once for a new
/// number); an index row only points, so a session that no longer has the number gets nothing; and sessions stored
/// before the index are found by one look through the sessions, at most every five minutes per instance, which writes
/// their rows.
/// </summary>
public sealed class WhatsAppCloudRoutingTests(Azurite azurite) : IClassFixture<Azurite>, IAsyncLifetime
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private readonly TwoInstances _instances = new(azurite);
    private FakeTimeProvider Clock => _instances.Clock;
    private TestServices Here => _instances.Here;
    private TestServices Elsewhere => _instances.Elsewhere;
    private TableClient Table => azurite.Clients.Table(StorageNames.SessionsTable); // not the instances' clients: not counted

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _instances.DisposeAsync();

    private static string NewPhoneNumberId() => "1065" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999);

    private static Session Cloud(string phoneNumberId, string? id = null) =>
        new(id ?? "w" + Guid.NewGuid().ToString("N")[..12], "+15550100001", WhatsAppCloudProvider.ProviderName,
            new Dictionary<string, string> { ["phoneNumberId"] = phoneNumberId }, Enabled: true,
            new Dictionary<string, string> { ["appSecret"] = "wa-app-secret" });

    private static async Task<IReadOnlyList<string>> RoutedAsync(TestServices instance, string phoneNumberId) =>
        (await instance.Get<WhatsAppCloudSessions>().FindByPhoneNumberIdAsync(phoneNumberId, CancellationToken.None)).Select(s => s.Id).ToList();

    private async Task<IReadOnlyList<string>> IndexRowsAsync(string phoneNumberId) =>
        await Table.QueryAsync<TableEntity>(e => e.PartitionKey == "whatsapp-cloud:" + phoneNumberId).Select(e => e.RowKey).ToListAsync();

    /// <summary>A session row as versions before the index wrote it: the session alone.</summary>
    private Task StoreWithoutIndexAsync(Session session) =>
        Table.UpsertEntityAsync(new TableEntity(session.Id, "session")
        {
            ["SenderPhone"] = session.SenderPhone,
            ["Provider"] = session.Provider,
            ["ProviderSettings"] = JsonSerializer.Serialize(session.ProviderSettings),
            ["SecretNames"] = JsonSerializer.Serialize(session.SecretNames),
            ["Enabled"] = session.Enabled,
        });

    /// <summary>The storage calls <paramref name="instance"/> made while <paramref name="work"/> ran.</summary>
    private static async Task<List<string>> CallsAsync(TestServices instance, Func<Task> work)
    {
        var before = instance.Faults.Calls.Count;
        await work();
        return instance.Faults.Calls.Skip(before).ToList();
    }

    [Fact]
    public async Task ANewSessionIsRoutedAtOnceOnEveryInstanceWithOneIndexReadAndItsOwnRead()
    {
        var phone = NewPhoneNumberId();
        Assert.Empty(await RoutedAsync(Elsewhere, phone)); // a miss is never kept

        var session = Cloud(phone);
        await Here.Get<SessionStore>().UpsertAsync(session);

        Assert.Equal([session.Id], await RoutedAsync(Here, phone));
        var calls = await CallsAsync(Elsewhere, async () => Assert.Equal([session.Id], await RoutedAsync(Elsewhere, phone)));
        Assert.Equal(["GET sessions()", $"GET sessions(PartitionKey='{session.Id}',RowKey='session')"], calls);
        Assert.Empty(await CallsAsync(Elsewhere, async () => Assert.Equal([session.Id], await RoutedAsync(Elsewhere, phone))));
        Assert.Equal([session.Id], await IndexRowsAsync(phone));
    }

    [Fact]
    public async Task ARenumberedSessionIsRoutedByItsNewNumberAtOnceAndByTheOldOneNoLongerThanTheCacheLifetime()
    {
        var (before, after) = (NewPhoneNumberId(), NewPhoneNumberId());
        var session = Cloud(before);
        await Here.Get<SessionStore>().UpsertAsync(session);
        Assert.Equal([session.Id], await RoutedAsync(Elsewhere, before)); // cached there

        await Here.Get<SessionStore>().UpsertAsync(Cloud(after, session.Id));

        Assert.Empty(await IndexRowsAsync(before));
        Assert.Equal([session.Id], await IndexRowsAsync(after));
        Assert.Empty(await RoutedAsync(Here, before)); // the instance that changed it: at once
        Assert.Equal([session.Id], await RoutedAsync(Here, after));
        Assert.Equal([session.Id], await RoutedAsync(Elsewhere, before)); // the documented delay
        Clock.Advance(Lifetime);
        Assert.Empty(await RoutedAsync(Elsewhere, before));
        Assert.Equal([session.Id], await RoutedAsync(Elsewhere, after));
    }

    [Fact]
    public async Task ANewNumberIsRoutedElsewhereAtOnceAndTheOldOneStopsThereWithIt()
    {
        var (before, after) = (NewPhoneNumberId(), NewPhoneNumberId());
        var session = Cloud(before);
        await Here.Get<SessionStore>().UpsertAsync(session);
        Assert.Equal([session.Id], await RoutedAsync(Elsewhere, before));

        await Here.Get<SessionStore>().UpsertAsync(Cloud(after, session.Id));

        // Elsewhere's copy of the session still has the old number: the new number's row makes it read the session again.
        Assert.Equal([session.Id], await RoutedAsync(Elsewhere, after));
        Assert.Empty(await RoutedAsync(Elsewhere, before));
    }

    [Fact]
    public async Task ADeletedSessionIsNoLongerRoutedAndItsIndexRowIsGone()
    {
        var phone = NewPhoneNumberId();
        var session = Cloud(phone);
        await Here.Get<SessionStore>().UpsertAsync(session);
        Assert.Equal([session.Id], await RoutedAsync(Elsewhere, phone));

        Assert.True(await Here.Get<SessionStore>().DeleteAsync(session.Id));

        Assert.Empty(await IndexRowsAsync(phone));
        Assert.Empty(await RoutedAsync(Here, phone));
        Clock.Advance(Lifetime);
        Assert.Empty(await RoutedAsync(Elsewhere, phone));
    }

    [Fact]
    public async Task AnIndexRowOnlyPointsASessionThatDoesNotHaveTheNumberGetsNothing()
    {
        var (phone, own) = (NewPhoneNumberId(), NewPhoneNumberId());
        var removedByHand = Cloud(phone);
        await Here.Get<SessionStore>().UpsertAsync(removedByHand);
        await Table.DeleteEntityAsync(removedByHand.Id, "session"); // the row removed outside ChatSend, its index row left
        var other = Cloud(own);
        await Here.Get<SessionStore>().UpsertAsync(other);
        await Table.UpsertEntityAsync(new TableEntity("whatsapp-cloud:" + phone, other.Id)); // a row naming a session of another number

        Assert.Equal(2, (await IndexRowsAsync(phone)).Count);
        Assert.Empty(await RoutedAsync(Elsewhere, phone));
        Assert.Equal([other.Id], await RoutedAsync(Elsewhere, own));
    }

    [Fact]
    public async Task SessionsStoredBeforeTheIndexAreFoundByOneLookThroughTheSessionsAtMostEveryFiveMinutesWhichWritesTheirRows()
    {
        var (shared, later) = (NewPhoneNumberId(), NewPhoneNumberId());
        // Two sessions of one number, as stored before the session command refused a second, and neither with an index row.
        var (first, second) = (Cloud(shared), Cloud(shared));
        await StoreWithoutIndexAsync(first);
        await StoreWithoutIndexAsync(second);
        await using var fresh = new TestServices(azurite.ConnectionString, time: Clock); // an instance that has not looked yet

        string[] both = [.. new[] { first.Id, second.Id }.Order()];
        Assert.Equal(both, (await RoutedAsync(fresh, shared)).Order());
        Assert.Equal(both, (await IndexRowsAsync(shared)).Order());

        // Within five minutes of its look, a number the index does not know costs the instance its index read alone.
        var old = Cloud(later);
        await StoreWithoutIndexAsync(old);
        var calls = await CallsAsync(fresh, async () => Assert.Empty(await RoutedAsync(fresh, later)));
        Assert.Equal(["GET sessions()"], calls);
        Clock.Advance(WhatsAppCloudSessions.ScanEvery);
        Assert.Equal([old.Id], await RoutedAsync(fresh, later));
        Assert.Equal([old.Id], await IndexRowsAsync(later));
    }

    [Fact]
    public async Task IndexRowsAreNoSessions()
    {
        var session = Cloud(NewPhoneNumberId());
        await Here.Get<SessionStore>().UpsertAsync(session);

        var ids = await Here.Get<SessionStore>().ListIdsAsync().ToListAsync();
        var all = await Here.Get<SessionStore>().ListAsync().ToListAsync();

        Assert.Contains(session.Id, ids);
        Assert.All(ids, id => Assert.True(SessionId.IsValid(id), id));
        Assert.Equal(ids.Order(), all.Select(s => s.Id).Order());
    }
}
