using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ChatSend.Tests.Infrastructure;

public enum Fault
{
    /// <summary>The call never reaches storage (a refused connection).</summary>
    Refuse,

    /// <summary>The call lands, then its answer is lost (the storage client sees a network error and may retry).</summary>
    LoseAnswer,

    /// <summary>The call lands, then the worker dies: the caller is abandoned with <see cref="WorkerDied"/>.</summary>
    Die,
}

/// <summary>The process stopped here: nothing after this call ran. Not a storage error, so nothing catches it as one.</summary>
public sealed class WorkerDied() : Exception("injected: the worker died after this storage call");

/// <summary>
/// Breaks chosen storage calls of the app's storage clients, on each try (after the client's retry policy), so a test
/// can fail any call, lose its answer after it landed, or abandon the caller right after it. Calls are picked by a
/// description such as <c>POST messages $batch</c> (method, the resource, and the last path segment).
/// </summary>
public sealed class StorageFaults : HttpPipelinePolicy
{
    private sealed class Rule(Func<string, bool> matches, Fault fault, int skip)
    {
        public Func<string, bool> Matches { get; } = matches;
        public Fault Fault { get; } = fault;
        public int Skip { get; set; } = skip;
    }

    private readonly List<Rule> _rules = [];
    private readonly ConcurrentQueue<string> _calls = new();

    /// <summary>Every call made, described, in order.</summary>
    public IReadOnlyCollection<string> Calls => _calls;

    /// <summary>
    /// A call whose description contains all of <paramref name="parts"/> gets <paramref name="fault"/>, once, after
    /// <paramref name="skip"/> such calls went through. Each call meets at most one fault, the earliest added.
    /// </summary>
    public void Next(Fault fault, int skip, params string[] parts)
    {
        lock (_rules)
            _rules.Add(new Rule(d => parts.All(p => d.Contains(p, StringComparison.OrdinalIgnoreCase)), fault, skip));
    }

    public void Next(Fault fault, params string[] parts) => Next(fault, 0, parts);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var description = Describe(message.Request);
        _calls.Enqueue(description);
        var fault = Take(description);
        if (fault == Fault.Refuse)
            throw new IOException("injected: connection refused");
        await ProcessNextAsync(message, pipeline);
        if (fault == Fault.LoseAnswer)
            throw new IOException("injected: the answer was lost");
        if (fault == Fault.Die)
            throw new WorkerDied();
    }

    private Fault? Take(string description)
    {
        lock (_rules)
        {
            Fault? fault = null;
            foreach (var rule in _rules.Where(r => r.Matches(description)).ToList())
            {
                if (rule.Skip-- > 0 || fault is not null)
                    continue;
                fault = rule.Fault;
                _rules.Remove(rule);
            }
            return fault;
        }
    }

    public static string Describe(Request request)
    {
        var path = request.Uri.Path.TrimEnd('/');
        return $"{request.Method} {path[(path.IndexOf('/', 1) + 1)..]}";
    }
}
