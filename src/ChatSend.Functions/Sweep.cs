using ChatSend.Sweeping;
using Microsoft.Azure.Functions.Worker;

namespace ChatSend.Functions;

/// <summary>Every minute: queues messages whose work marker is due and removes orphan media (see <see cref="Sweeper"/>).</summary>
public sealed class Sweep(Sweeper sweeper)
{
    public const string Schedule = "0 * * * * *";

    [Function(nameof(Sweep))]
    public Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        sweeper.RunAsync(cancellationToken);
}
