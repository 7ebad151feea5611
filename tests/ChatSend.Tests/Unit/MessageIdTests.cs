using ChatSend.Messages;

namespace ChatSend.Tests.Unit;

public class MessageIdTests
{
    [Fact]
    public void IdRoundTripsToItsSessionAndRowKey()
    {
        var id = MessageId.New("sales-eu_1", DateTimeOffset.UtcNow);
        Assert.StartsWith("msg_sales-eu_1_", id.Value);
        Assert.True(MessageId.TryParse(id.Value, out var parsed));
        Assert.Equal(id, parsed);
    }

    [Fact]
    public void NewerMessagesSortFirstWithinASession()
    {
        var t = DateTimeOffset.UtcNow;
        var older = MessageId.New("s", t);
        var newer = MessageId.New("s", t.AddTicks(1));
        Assert.True(string.CompareOrdinal(newer.RowKey, older.RowKey) < 0);
    }

    [Fact]
    public void IdsAreUniqueAtTheSameInstant()
    {
        var t = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 10_000).Select(_ => MessageId.New("s", t).Value).ToHashSet();
        Assert.Equal(10_000, ids.Count);
    }

    [Fact]
    public void AnIdNamesItsPartitionAndSessionAndAnIdFromBeforePartitionsIsPartitionZero()
    {
        Assert.True(MessageId.TryParse("msg_sales-eu_1~3_22eadd648b3ab55cjzvm2e37zp", out var inThree));
        Assert.True(MessageId.TryParse("msg_sales-eu_1_22eadd648b3ab55cjzvm2e37zp", out var before));

        Assert.Equal(("sales-eu_1~3", "sales-eu_1", "22eadd648b3ab55cjzvm2e37zp"), (inThree.PartitionKey, inThree.Session, inThree.RowKey));
        Assert.Equal(("sales-eu_1", "sales-eu_1"), (before.PartitionKey, before.Session));
        var fresh = MessageId.New("sales-eu_1~3", DateTimeOffset.UtcNow);
        Assert.StartsWith("msg_sales-eu_1~3_", fresh.Value);
        Assert.Equal(fresh, MessageId.Parse(fresh.Value));
    }

    [Theory]
    [InlineData("msg_s~0_22eadd648b3ab55cjzvm2e37zp")] // partition 0 is the session's own key
    [InlineData("msg_s~03_22eadd648b3ab55cjzvm2e37zp")] // one key per partition
    [InlineData("msg_s~16_22eadd648b3ab55cjzvm2e37zp")] // at most 16 partitions
    [InlineData("msg_s~_22eadd648b3ab55cjzvm2e37zp")]
    [InlineData("msg_~3_22eadd648b3ab55cjzvm2e37zp")]
    [InlineData("msg_s~3~1_22eadd648b3ab55cjzvm2e37zp")]
    public void PartitionKeysOtherThanASessionsDoNotParse(string value) => Assert.False(MessageId.TryParse(value, out _));

    [Theory]
    [InlineData("")]
    [InlineData("msg_")]
    [InlineData("msg_s_22eadd648b3ab55cjzvm2e37z")] // row key one short
    [InlineData("msg_s_22eadd648b3ab55cjzvm2e37z1")] // '1' is not base32
    [InlineData("msg_s/x_22eadd648b3ab55cjzvm2e37zp")] // session with a slash
    [InlineData("xyz_s_22eadd648b3ab55cjzvm2e37zp")]
    [InlineData("msg_s-22eadd648b3ab55cjzvm2e37zp")]
    public void MalformedIdsDoNotParse(string value) => Assert.False(MessageId.TryParse(value, out _));
}
