using ChatSend.Storage;
using ChatSend.Sweeping;
using ChatSend.Telemetry;
using Microsoft.Extensions.Options;

namespace ChatSend.Host.Queues;

/// <summary>The local host's stand-in for the Functions timer trigger: runs the sweeper every <see cref="SweeperOptions.Interval"/>.</summary>
public sealed partial class SweeperService(Sweeper sweeper, IOptions<SweeperOptions> options, TimeProvider time, ILogger<SweeperService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                using var activity = ChatSendTelemetry.Source.StartActivity(ChatSendTelemetry.Spans.Sweep);
                try
                {
                    await sweeper.RunAsync(stoppingToken);
                }
                catch (Exception ex) when (StorageFailure.IsStorageFailure(ex, stoppingToken))
                {
                    LogSweepFailed(StorageFailure.Describe(ex));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(LogLevel.Warning, "Sweep failed ({Reason}); trying again at the next tick")]
    private partial void LogSweepFailed(string reason);
}
