using System.Collections;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Telemetry;

/// <summary>
/// Keeps query strings out of the framework's request logs, at every level and for every logging provider (console,
/// OpenTelemetry, the Functions host): a query carries the Evolution callback's <c>token</c>, the Cloud API's
/// <c>hub.verify_token</c>, the phone numbers of <c>GET /messages?to=</c>, or a key a client put there. The app's logger
/// factory is wrapped, and what two framework categories log is rewritten before any provider sees it, the text and the
/// structured values alike:
/// <list type="bullet">
/// <item>ASP.NET Core hosting's "Request starting" and "Request finished" lines keep method, path, status and duration;
/// their query becomes <c>?*</c>, as HttpClientFactory's own logs write a redacted query (.NET 9 and later).</item>
/// <item>Kestrel's bad-request lines (Debug) keep the reason, without the bytes of the request line or header it quotes.</item>
/// </list>
/// Request headers are not logged by ASP.NET Core (no HTTP logging middleware is added), and outgoing calls are logged by
/// HttpClientFactory with the query as <c>?*</c> and header values as <c>*</c> (.NET 9 defaults, left on).
/// </summary>
public static partial class RequestLogRedaction
{
    public const string HostingCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";
    public const string KestrelBadRequestsCategory = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";
    public const string RedactedQuery = "?*";
    private const string RedactedDetail = "'…'";

    /// <summary>Wraps the registered <see cref="ILoggerFactory"/> (once, however often this is called).</summary>
    public static IServiceCollection AddRequestLogRedaction(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(RedactingLoggerFactory)))
            return services;
        services.AddLogging();
        var inner = services.Last(d => d.ServiceType == typeof(ILoggerFactory));
        services.AddSingleton(sp => new RedactingLoggerFactory(Create(sp, inner)));
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => sp.GetRequiredService<RedactingLoggerFactory>()));
        return services;
    }

    private static ILoggerFactory Create(IServiceProvider services, ServiceDescriptor descriptor) => descriptor switch
    {
        { ImplementationInstance: ILoggerFactory instance } => instance,
        { ImplementationFactory: { } factory } => (ILoggerFactory)factory(services),
        { ImplementationType: { } type } when type == typeof(LoggerFactory) => new LoggerFactory(
            services.GetServices<ILoggerProvider>(), services.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            services.GetService<IOptions<LoggerFactoryOptions>>(), services.GetService<IExternalScopeProvider>()),
        { ImplementationType: { } type } => (ILoggerFactory)ActivatorUtilities.CreateInstance(services, type),
        _ => throw new InvalidOperationException($"Cannot create the registered {nameof(ILoggerFactory)}."),
    };

    /// <summary>The app's logger factory, handing out loggers that redact the categories above and the others as they are.</summary>
    public sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName)
        {
            var logger = inner.CreateLogger(categoryName);
            return categoryName switch
            {
                HostingCategory => new RedactingLogger(logger, RedactHostingLine),
                KestrelBadRequestsCategory => new RedactingLogger(logger, RedactBadRequest),
                _ => logger,
            };
        }

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose() => inner.Dispose();
    }

    private delegate RedactedEntry? Redaction(string message, IReadOnlyList<KeyValuePair<string, object?>> values, Exception? exception);

    private sealed class RedactingLogger(ILogger inner, Redaction redact) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
                return;
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values && redact(formatter(state, exception), values, exception) is { } redacted)
                inner.Log(logLevel, eventId, redacted, redacted.Exception, static (s, _) => s.Message);
            else
                inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }

    /// <summary>A log entry's text and structured values after redaction; providers read it as they read the original.</summary>
    private sealed class RedactedEntry(string message, KeyValuePair<string, object?>[] values, Exception? exception)
        : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message { get; } = message;
        public Exception? Exception { get; } = exception;
        public int Count => values.Length;
        public KeyValuePair<string, object?> this[int index] => values[index];
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)values).GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => Message;
    }

    // Hosting's request lines: "Request starting HTTP/1.1 GET http://host/send?key=… - …", with QueryString among the values.
    private static RedactedEntry? RedactHostingLine(string message, IReadOnlyList<KeyValuePair<string, object?>> values, Exception? exception)
    {
        if (!values.Any(v => v is { Key: "QueryString", Value: string { Length: > 0 } }))
            return null;
        var query = (string)values.First(v => v.Key == "QueryString").Value!;
        return new RedactedEntry(message.Replace(query, RedactedQuery),
            [.. values.Select(v => v.Key == "QueryString" ? new KeyValuePair<string, object?>(v.Key, RedactedQuery) : v)], exception);
    }

    // Kestrel's "bad request data: \"Invalid request line: 'GET /send?key=…'\"" quotes the bytes it refused, a query or a
    // header with its value among them. The reason stays; the quoted bytes go, from the text, the values and the exception.
    private static RedactedEntry? RedactBadRequest(string message, IReadOnlyList<KeyValuePair<string, object?>> values, Exception? exception)
    {
        if (!Quoted().IsMatch(message) && !values.Any(v => v.Value is string s && Quoted().IsMatch(s)))
            return null;
        return new RedactedEntry(Quoted().Replace(message, RedactedDetail),
            [.. values.Select(v => v.Value is string s ? new KeyValuePair<string, object?>(v.Key, Quoted().Replace(s, RedactedDetail)) : v)],
            exception is Microsoft.AspNetCore.Http.BadHttpRequestException bad
                ? new Microsoft.AspNetCore.Http.BadHttpRequestException(Quoted().Replace(bad.Message, RedactedDetail), bad.StatusCode)
                : exception);
    }

    [GeneratedRegex("'.*'", RegexOptions.Singleline)]
    private static partial Regex Quoted();
}
