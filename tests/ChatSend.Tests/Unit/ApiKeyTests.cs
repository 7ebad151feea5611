using ChatSend.Auth;
using ChatSend.Delivery;

namespace ChatSend.Tests.Unit;

public class ApiKeyTests
{
    [Fact]
    public void GeneratedKeysParseToTheirIdAndDiffer()
    {
        var (id, key) = ApiKey.Generate();
        Assert.True(ApiKey.TryParse(key, out var parsed));
        Assert.Equal(id, parsed);
        Assert.NotEqual(key, ApiKey.Generate().Key);
        Assert.Equal(3 + 16 + 1 + 64, key.Length);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("cs_0123456789abcdef")]
    [InlineData("cs_0123456789abcdef_0123")]
    [InlineData("xx_0123456789abcdef_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("cs_0123456789ABCDEF_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void MalformedKeysDoNotParse(string? key) => Assert.False(ApiKey.TryParse(key, out _));

    [Fact]
    public void ScopeCoversListedSessionsOrAll()
    {
        var listed = ApiKeyScope.Parse("k", "a, b");
        Assert.True(listed.Covers("a") && listed.Covers("b"));
        Assert.False(listed.Covers("c"));
        Assert.True(ApiKeyScope.Parse("k", "*").Covers("anything"));
        Assert.False(ApiKeyScope.Parse("k", "").Covers("a"));
    }

    [Fact]
    public void RetryBackoffGrowsAndIsCapped()
    {
        var options = new DeliveryOptions { RetryBaseDelay = TimeSpan.FromSeconds(2), RetryMaxDelay = TimeSpan.FromSeconds(30) };
        var first = options.BackoffFor(1);
        var third = options.BackoffFor(3);
        Assert.InRange(first.TotalSeconds, 1, 3);
        Assert.InRange(third.TotalSeconds, 6, 10);
        Assert.InRange(options.BackoffFor(10).TotalSeconds, 1, 30);
        Assert.InRange(options.BackoffFor(1, providerHint: TimeSpan.FromSeconds(20)).TotalSeconds, 16, 24);
    }
}
