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
