using System.ComponentModel.DataAnnotations;

namespace ChatSend.Health;

/// <summary>
/// <c>ChatSend:Health</c>: how long an instance reuses its answer to <c>GET /health/ready</c> (so a storm of probes
/// costs storage one round of calls; zero runs the checks on every probe), and how long each check may take before it
/// counts as failed.
/// </summary>
public sealed class HealthOptions
{
    public const string Section = "ChatSend:Health";

    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);
}
