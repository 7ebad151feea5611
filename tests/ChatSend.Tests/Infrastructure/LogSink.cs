using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// Keeps every log line the app writes (message, exception, and the structured values an exporter would send), and every
/// scope begun (as a line of its own), to check what logs must never hold.
/// </summary>
public sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>
    /// Waits until <paramref name="count"/> lines contain every one of <paramref name="parts"/>: the app's own account
    /// that it handled something (a receipt applied or ignored, a callback refused), so a test waits for the work to
    /// be done instead of sleeping and hoping it was.
    /// </summary>
    public Task<int> WaitForAsync(int count, params string[] parts) =>
        Eventually.MatchesAsync(() => Task.FromResult(_lines.Count(l => parts.All(p => l.Contains(p, StringComparison.Ordinal)))),
            seen => seen >= count, TimeSpan.FromSeconds(20));

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            lines.Enqueue($"Scope {category}: {state} {Values(state)}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}{Values(state)}");

        // What a structured exporter (OpenTelemetry, Application Insights) sends besides the message.
        private static string Values<TState>(TState state) =>
            state is IEnumerable<KeyValuePair<string, object?>> values
                ? " | " + string.Join("; ", values.Where(v => v.Key != "{OriginalFormat}").Select(v => $"{v.Key}={v.Value}"))
                : "";
    }
}
