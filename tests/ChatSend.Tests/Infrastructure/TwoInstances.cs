using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// Two sets of the library's services over one Azurite and one fake clock: two instances of the app, each with its
/// own in-memory caches, for tests of what one sees of the other's changes.
/// </summary>
public sealed class TwoInstances : IAsyncDisposable
{
    public TwoInstances(Azurite azurite)
    {
        Here = new TestServices(azurite.ConnectionString, time: Clock);
        Elsewhere = new TestServices(azurite.ConnectionString, time: Clock);
    }

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public TestServices Here { get; }

    public TestServices Elsewhere { get; }

    public async ValueTask DisposeAsync()
    {
        await Here.DisposeAsync();
        await Elsewhere.DisposeAsync();
    }
}
