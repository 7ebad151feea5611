using System.Collections.Concurrent;
using Azure.Storage.Queues;
using ChatSend.Host.Queues;
using ChatSend.Storage;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatSend.Tests.Integration;

/// <summary>The local queue listener behaves like the Functions queue trigger: delete on success, retry, poison.</summary>
public sealed class QueueListenerTests(Azurite azurite) : IClassFixture<Azurite>
{
    private readonly ConcurrentDictionary<string, int> _calls = new();

    private static readonly QueueListenerOptions Options = new()
    {
        BatchSize = 4,
        MaxPollingInterval = TimeSpan.FromMilliseconds(200),
        VisibilityTimeout = TimeSpan.Zero,
        MaxDequeueCount = 5,
    };

    private async Task<(QueueClient Queue, QueueClient Poison, QueueListener Listener)> ListenAsync(Func<string, Task> handle)
    {
        var name = "q" + Guid.NewGuid().ToString("N")[..16];
        var clients = azurite.Clients;
        var queue = clients.Queue(name);
        await queue.CreateAsync();
        var binding = new QueueBinding(name, async (_, body, _) =>
        {
            _calls.AddOrUpdate(body, 1, (_, n) => n + 1);
            await handle(body);
        });
        var listener = new QueueListener(binding, clients, new QueueWake([name], TimeProvider.System), new ServiceCollection().BuildServiceProvider(),
            Microsoft.Extensions.Options.Options.Create(Options), NullLogger<QueueListener>.Instance);
        return (queue, clients.Queue(name + "-poison"), listener);
    }

    private static async Task<int> CountAsync(QueueClient queue) =>
        await queue.ExistsAsync() ? (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount : 0;

    [Fact]
    public async Task HandledMessagesAreDeleted()
    {
        var (queue, _, listener) = await ListenAsync(_ => Task.CompletedTask);
        for (var i = 0; i < 10; i++)
            await queue.SendMessageAsync($"m{i}");
        await listener.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.MatchesAsync(() => CountAsync(queue), n => n == 0);
            Assert.Equal(10, _calls.Count);
            Assert.All(_calls.Values, n => Assert.Equal(1, n));
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AMessageThatAlwaysFailsIsTriedFiveTimesThenMovedToThePoisonQueue()
    {
        var (queue, poison, listener) = await ListenAsync(_ => throw new InvalidOperationException("boom"));
        await queue.SendMessageAsync("doomed");
        await listener.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.MatchesAsync(() => CountAsync(poison), n => n == 1);
            Assert.Equal(5, _calls["doomed"]);
            Assert.Equal(0, await CountAsync(queue));
            Assert.Equal("doomed", (await poison.PeekMessageAsync()).Value.Body.ToString());
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AMessageAlreadyDequeuedTooOftenIsPoisonedWithoutRunning()
    {
        var (queue, poison, listener) = await ListenAsync(_ => Task.CompletedTask);
        await queue.SendMessageAsync("crashed-workers");
        for (var i = 0; i < Options.MaxDequeueCount; i++) // as if five workers died holding it
        {
            var m = (await queue.ReceiveMessageAsync()).Value;
            await queue.UpdateMessageAsync(m.MessageId, m.PopReceipt, visibilityTimeout: TimeSpan.Zero);
        }
        await listener.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.MatchesAsync(() => CountAsync(poison), n => n == 1);
            Assert.False(_calls.ContainsKey("crashed-workers"));
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }
    }
}

/// <summary>While a job runs its message stays hidden however long it takes; a worker that stops lets it come back within one lease.</summary>
public sealed class QueueListenerLeaseTests(Azurite azurite) : IClassFixture<Azurite>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    private QueueListener Listener(string queue, Func<string, CancellationToken, Task> handle) =>
        new(new QueueBinding(queue, (_, body, ct) => handle(body, ct)), azurite.Clients, new QueueWake([queue], TimeProvider.System),
            new ServiceCollection().BuildServiceProvider(),
            Microsoft.Extensions.Options.Options.Create(new QueueListenerOptions
            {
                BatchSize = 4,
                MaxPollingInterval = TimeSpan.FromMilliseconds(200),
                ProcessingLease = Lease,
            }), NullLogger<QueueListener>.Instance);

    private async Task<QueueClient> QueueAsync()
    {
        var queue = azurite.Clients.Queue("q" + Guid.NewGuid().ToString("N")[..16]);
        await queue.CreateAsync();
        return queue;
    }

    [Fact]
    public async Task AJobLongerThanTheLeaseIsNotHandedToAnotherWorker()
    {
        var queue = await QueueAsync();
        var calls = 0;
        Task Slow(string _, CancellationToken ct)
        {
            Interlocked.Increment(ref calls);
            return Task.Delay(Lease * 3, ct); // the job's work, outlasting the lease; the test waits for the queue to empty
        }
        var (first, second) = (Listener(queue.Name, Slow), Listener(queue.Name, Slow));
        await queue.SendMessageAsync("long job");
        await first.StartAsync(CancellationToken.None);
        await Eventually.MatchesAsync(() => Task.FromResult(calls), n => n == 1);
        await second.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.MatchesAsync(async () => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0,
                TimeSpan.FromSeconds(15));
            Assert.Equal(1, calls);
        }
        finally
        {
            await first.StopAsync(CancellationToken.None);
            await second.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AJobHeldByAWorkerThatStopsComesBackWithinALease()
    {
        var queue = await QueueAsync();
        var started = new TaskCompletionSource();
        var dead = Listener(queue.Name, async (_, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct); // never finishes: the worker is killed holding it
        });
        await queue.SendMessageAsync("held");
        await dead.StartAsync(CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await dead.StopAsync(CancellationToken.None); // its renewals stop; the message stays hidden until its lease ends

        var handled = new TaskCompletionSource<DateTimeOffset>();
        var stoppedAt = DateTimeOffset.UtcNow;
        var alive = Listener(queue.Name, (_, _) =>
        {
            handled.TrySetResult(DateTimeOffset.UtcNow);
            return Task.CompletedTask;
        });
        await alive.StartAsync(CancellationToken.None);
        try
        {
            var at = await handled.Task.WaitAsync(TimeSpan.FromSeconds(15));
            Assert.InRange(at - stoppedAt, TimeSpan.Zero, Lease + TimeSpan.FromSeconds(3));
        }
        finally
        {
            await alive.StopAsync(CancellationToken.None);
        }
    }
}

/// <summary>
/// An idle listener backs off towards maxPollingInterval, as the Functions queue trigger does, yet takes a message its own
/// host puts at once, and a delayed one when it becomes visible.
/// </summary>
public sealed class QueueWakeTests(Azurite azurite) : IClassFixture<Azurite>
{
    private static readonly TimeSpan LongestPoll = TimeSpan.FromSeconds(30);

    private sealed record Listening(QueueClient Queue, QueueListener Listener, StorageFaults Calls, TaskCompletionSource<DateTimeOffset> Handled);

    // The host's clients: its wake policy, and a record of its calls to count the listener's polls.
    private async Task<Listening> IdleListenerAsync()
    {
        var name = "q" + Guid.NewGuid().ToString("N")[..16];
        var (wake, calls) = (new QueueWake([name], TimeProvider.System), new StorageFaults());
        var clients = new StorageClients(Microsoft.Extensions.Options.Options.Create(new ChatSend.Storage.StorageOptions { ConnectionString = azurite.ConnectionString }),
            [new ChatSend.Storage.StoragePipelinePolicy(calls), wake.Policy]);
        var queue = clients.Queue(name);
        await queue.CreateAsync();
        var handled = new TaskCompletionSource<DateTimeOffset>();
        var listener = new QueueListener(new QueueBinding(name, (_, _, _) =>
            {
                handled.TrySetResult(DateTimeOffset.UtcNow);
                return Task.CompletedTask;
            }), clients, wake, new ServiceCollection().BuildServiceProvider(),
            Microsoft.Extensions.Options.Options.Create(new QueueListenerOptions { MaxPollingInterval = LongestPoll }), NullLogger<QueueListener>.Instance);
        await listener.StartAsync(CancellationToken.None);
        // Seven empty polls: 6.3 s in, the next is 6.4 s away.
        await Eventually.MatchesAsync(() => Task.FromResult(calls.Calls.Count(c => c == $"GET {name}/messages")), n => n >= 7, TimeSpan.FromSeconds(20));
        return new Listening(queue, listener, calls, handled);
    }

    [Fact]
    public async Task AnIdleListenerTakesAMessageItsHostPutsAtOnce()
    {
        var idle = await IdleListenerAsync();
        try
        {
            var putAt = DateTimeOffset.UtcNow;
            await idle.Queue.SendMessageAsync("new work");

            var at = await idle.Handled.Task.WaitAsync(TimeSpan.FromSeconds(15));
            Assert.InRange(at - putAt, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        }
        finally
        {
            await idle.Listener.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AnIdleListenerTakesADelayedMessageItsHostPutsWhenItBecomesVisible()
    {
        var idle = await IdleListenerAsync();
        try
        {
            var putAt = DateTimeOffset.UtcNow;
            await idle.Queue.SendMessageAsync("a retry", visibilityTimeout: TimeSpan.FromSeconds(2));

            var at = await idle.Handled.Task.WaitAsync(TimeSpan.FromSeconds(15));
            Assert.InRange(at - putAt, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(4));
        }
        finally
        {
            await idle.Listener.StopAsync(CancellationToken.None);
        }
    }
}
