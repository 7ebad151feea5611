using System.Collections.Concurrent;
using Azure.Storage.Queues;
using ChatSend.Host.Queues;
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
        var listener = new QueueListener(binding, clients, new ServiceCollection().BuildServiceProvider(),
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
        new(new QueueBinding(queue, (_, body, ct) => handle(body, ct)), azurite.Clients, new ServiceCollection().BuildServiceProvider(),
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
