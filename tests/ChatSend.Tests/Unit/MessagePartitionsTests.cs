using ChatSend.Messages;

namespace ChatSend.Tests.Unit;

public class MessagePartitionsTests
{
    // Pinned: a change to how a chat's partition is picked would leave every stored chat of a session of several partitions
    // where it no longer looks.
    [Theory]
    [InlineData("+12025550123", 4, 3)]
    [InlineData("+12025550123", 16, 7)]
    [InlineData("120363041234567890@g.us", 16, 5)]
    [InlineData("+442079460958", 2, 0)]
    public void AChatsPartitionIsTheSameInEveryProcess(string chat, int partitions, int expected) =>
        Assert.Equal(expected, MessagePartitions.Of(chat, partitions));

    [Fact]
    public void InASessionOfOnePartitionEveryChatIsInTheSessionsOwn()
    {
        Assert.Equal(0, MessagePartitions.Of("+12025550123", 1));
        Assert.Equal(["shop"], MessagePartitions.All("shop", 1));
    }

    [Fact]
    public void ASessionsPartitionKeysAreItsIdThenItsIdTildeAndTheNumber()
    {
        Assert.Equal(["shop-eu", "shop-eu~1", "shop-eu~2", "shop-eu~3"], MessagePartitions.All("shop-eu", 4));
        Assert.Equal(("shop-eu", "shop-eu"), (MessagePartitions.SessionOf("shop-eu~3"), MessagePartitions.SessionOf("shop-eu")));
        Assert.All(MessagePartitions.All("shop-eu", 16), key => Assert.True(MessagePartitions.IsKey(key)));
    }

    [Fact]
    public void ChatsSpreadOverEveryPartition()
    {
        var counts = Enumerable.Range(0, 1000).GroupBy(i => MessagePartitions.Of($"+1202555{i:D4}", 4)).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal([0, 1, 2, 3], counts.Keys.Order());
        Assert.All(counts.Values, count => Assert.InRange(count, 200, 300));
    }
}
