using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSend.Http;

/// <summary>What one step of a request produced: a value to carry on with, or the problem to answer instead.</summary>
public readonly record struct Step<T>(T? Value, ProblemHttpResult? Problem)
{
    public static implicit operator Step<T>(T value) => new(value, null);

    public static implicit operator Step<T>(ProblemHttpResult problem) => new(default, problem);

    public bool Failed([NotNullWhen(true)] out ProblemHttpResult? problem)
    {
        problem = Problem;
        return problem is not null;
    }
}
