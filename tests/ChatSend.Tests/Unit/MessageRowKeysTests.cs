using ChatSend.Events;
using ChatSend.Messages;

namespace ChatSend.Tests.Unit;

/// <summary>The messages table's row-key layout: which rows a listing, a marker scan and an outbox read each see.</summary>
public sealed class MessageRowKeysTests
{
    private static readonly DateTimeOffset T = new(2026, 4, 15, 10, 0, 0, TimeSpan.Zero);

    // The extremes of the message row-key alphabet: the largest time prefix and random part sort last among messages.
    private static readonly MessageId Oldest = new("s", "ffffffffffffffff7777777777");
    private static readonly MessageId Newest = new("s", "0000000000000000aaaaaaaaaa");

    private static IEnumerable<MessageId> Ids() =>
    [
        Oldest, Newest, MessageId.New("s", T), MessageId.New("s", DateTimeOffset.MinValue), MessageId.New("s", DateTimeOffset.MaxValue),
    ];

    [Fact]
    public void ThePartitionReadsAsMessagesThenMarkersThenOutboxEntries()
    {
        var rows = Ids().SelectMany(id => new[]
        {
            ("message", id.RowKey),
            ("marker", WorkMarker.For(id, T).RowKey),
            ("outbox", OutboxEntry.For(id, 0, new StatusChange(MessageStatus.Queued, T), T).RowKey),
            ("outbox", OutboxEntry.For(id, 99, new StatusChange(MessageStatus.Read, T), T).RowKey),
        }).ToList();

        var kinds = rows.OrderBy(r => r.Item2, StringComparer.Ordinal).Select(r => r.Item1).Distinct();

        Assert.Equal(["message", "marker", "outbox"], kinds);
    }

    [Fact]
    public void EachRangeHoldsItsOwnKindOnly()
    {
        foreach (var id in Ids())
        {
            var marker = MessageRowKeys.MarkerOf(id);
            var entry = MessageRowKeys.OutboxEntryOf(id, 3);

            Assert.True(MessageRowKeys.Messages.Contains(id.RowKey));
            Assert.False(MessageRowKeys.Messages.Contains(marker));
            Assert.False(MessageRowKeys.Messages.Contains(entry));

            Assert.False(MessageRowKeys.Markers.Contains(id.RowKey));
            Assert.True(MessageRowKeys.Markers.Contains(marker));
            Assert.False(MessageRowKeys.Markers.Contains(entry));

            Assert.False(MessageRowKeys.Outbox.Contains(id.RowKey));
            Assert.False(MessageRowKeys.Outbox.Contains(marker));
            Assert.True(MessageRowKeys.Outbox.Contains(entry));
        }
    }

    [Fact]
    public void AMessagesOutboxRangeHoldsItsEntriesInHistoryOrderAndNoOtherMessages()
    {
        var id = MessageId.New("s", T);
        var range = MessageRowKeys.OutboxOf(id);
        var entries = Enumerable.Range(0, 100).Select(i => MessageRowKeys.OutboxEntryOf(id, i)).ToList();

        Assert.All(entries, e => Assert.True(range.Contains(e)));
        Assert.Equal(entries, entries.Order(StringComparer.Ordinal));
        Assert.All(Ids(), other => Assert.False(range.Contains(MessageRowKeys.OutboxEntryOf(other, 0))));
        Assert.False(range.Contains(MessageRowKeys.MarkerOf(id)));
        Assert.False(range.Contains(id.RowKey));
    }

    [Fact]
    public void MarkersAndOutboxEntriesLeadBackToTheirMessage()
    {
        var id = MessageId.New("s", T);

        Assert.Equal(id, WorkMarker.For(id, T).MessageId);
        Assert.Equal(id, OutboxEntry.For(id, 12, new StatusChange(MessageStatus.Sent, T), T).MessageId);
    }

    [Fact]
    public void AListingBetweenTwoTimesHoldsTheMessagesAcceptedInThemBoundsIncluded()
    {
        var range = MessageRowKeys.AcceptedBetween(since: T, until: T.AddMinutes(1));

        Assert.True(range.Contains(MessageId.New("s", T).RowKey));
        Assert.True(range.Contains(MessageId.New("s", T.AddSeconds(30)).RowKey));
        Assert.True(range.Contains(MessageId.New("s", T.AddMinutes(1)).RowKey));
        Assert.False(range.Contains(MessageId.New("s", T.AddTicks(-1)).RowKey));
        Assert.False(range.Contains(MessageId.New("s", T.AddMinutes(1).AddTicks(1)).RowKey));
        Assert.False(range.Contains(MessageRowKeys.MarkerOf(MessageId.New("s", T))));
    }

    [Fact]
    public void AnOpenListingIsEveryMessageRow()
    {
        Assert.Equal(MessageRowKeys.Messages, MessageRowKeys.AcceptedBetween(null, null));
        Assert.True(MessageRowKeys.AcceptedBetween(since: T, null).Contains(Newest.RowKey));
        Assert.True(MessageRowKeys.AcceptedBetween(null, until: T).Contains(Oldest.RowKey));
        Assert.False(MessageRowKeys.AcceptedBetween(null, until: T).Contains(MessageRowKeys.MarkerOf(Oldest)));
    }

    [Fact]
    public void ARangeFiltersOnePartition()
    {
        Assert.Equal("PartitionKey eq 's' and RowKey ge '~' and RowKey lt '~~'", MessageRowKeys.Markers.Filter("s"));
        Assert.Equal("PartitionKey eq 'o''k' and RowKey lt '~'", MessageRowKeys.Messages.Filter("o'k"));
        Assert.Equal("PartitionKey eq 's' and RowKey ge '~~' and RowKey lt '~~~'", MessageRowKeys.Outbox.Filter("s"));
    }

    [Fact]
    public void IndexRowsSortAfterEveryOutboxEntryAndAChatsRowsAreOneRangeNewestFirst()
    {
        var older = new MessageId("s", MessageId.NewRowKey(DateTimeOffset.Parse("2026-01-01T00:00:00Z")));
        var newer = new MessageId("s", MessageId.NewRowKey(DateTimeOffset.Parse("2026-06-01T00:00:00Z")));
        var chat = MessageRowKeys.ChatIndex("+14155550123", MessageRowKeys.AcceptedBetween(null, null));
        string[] index = [MessageRowKeys.ProviderIdOf("waha", "true_1@c.us_A/B"), MessageRowKeys.ChatEntryOf("+14155550123", older)];

        Assert.All(index, key => Assert.False(MessageRowKeys.Outbox.Contains(key) || MessageRowKeys.Markers.Contains(key)
            || MessageRowKeys.Messages.Contains(key), key));
        Assert.DoesNotContain('/', index[0]);
        Assert.True(chat.Contains(MessageRowKeys.ChatEntryOf("+14155550123", older)));
        Assert.True(chat.Contains(MessageRowKeys.ChatEntryOf("+14155550123", newer)));
        Assert.False(chat.Contains(MessageRowKeys.ChatEntryOf("+14155550124", newer)));
        Assert.True(string.CompareOrdinal(MessageRowKeys.ChatEntryOf("+14155550123", newer), MessageRowKeys.ChatEntryOf("+14155550123", older)) < 0);
        // After the newer one (a cursor): the older one only.
        var next = MessageRowKeys.ChatIndex("+14155550123", MessageRowKeys.AcceptedBetween(null, null), newer.RowKey);
        Assert.Equal((false, true), (next.Contains(MessageRowKeys.ChatEntryOf("+14155550123", newer)), next.Contains(MessageRowKeys.ChatEntryOf("+14155550123", older))));
        // Narrowed by time: only the newer one.
        var since = MessageRowKeys.ChatIndex("+14155550123", MessageRowKeys.AcceptedBetween(DateTimeOffset.Parse("2026-03-01T00:00:00Z"), null));
        Assert.Equal((true, false), (since.Contains(MessageRowKeys.ChatEntryOf("+14155550123", newer)), since.Contains(MessageRowKeys.ChatEntryOf("+14155550123", older))));
    }
}
