using System.ComponentModel.DataAnnotations;

namespace ChatSend.Host.Queues;

/// <summary>
/// The queue trigger settings of host.json (<c>extensions:queues</c>), with the Functions defaults. The local host
/// reads the same host.json, and <c>AzureFunctionsJobHost__extensions__queues__…</c> overrides it as it does in Azure.
/// </summary>
public sealed class QueueListenerOptions
{
    [Range(1, 32)]
    public int BatchSize { get; set; } = 16;

    /// <summary>Fetch the next batch once in-flight messages fall to this many; Functions' default is half the batch.</summary>
    [Range(0, 512)]
    public int? NewBatchThreshold { get; set; }

    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a failed message stays invisible before it is retried.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.Zero;

    [Range(1, 100)]
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Only <c>base64</c> is supported: it is what the library writes.</summary>
    [RegularExpression("^(?i)base64$")]
    public string MessageEncoding { get; set; } = "base64";

    internal int Threshold => NewBatchThreshold ?? BatchSize / 2;

    /// <summary>
    /// How long a message being handled stays hidden; renewed every third of it while the handler runs, so a worker
    /// that dies lets its messages come back within this long. Not a host.json setting (the Functions host has its own).
    /// </summary>
    internal TimeSpan ProcessingLease { get; set; } = TimeSpan.FromSeconds(30);
}
