using ChatSend.Tests.Infrastructure;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCaseOrderer("ChatSend.Tests.Infrastructure.RandomTestCaseOrderer", "ChatSend.Tests")]
[assembly: TestCollectionOrderer("ChatSend.Tests.Infrastructure.RandomTestCollectionOrderer", "ChatSend.Tests")]

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// Every run takes the test classes, and the tests in each class, in a shuffled order, so a test that depends on
/// another having run first fails sooner or later. The order follows from <c>CHATSEND_TEST_SEED</c> (the test command
/// sets and prints it; the same seed gives the same order), else from a seed of its own.
/// </summary>
public static class TestOrder
{
    public const string SeedVariable = "CHATSEND_TEST_SEED";

    public static int Seed { get; } =
        int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), out var seed) ? seed : Random.Shared.Next();

    /// <summary>Sorts by name first, so the shuffle depends only on the seed and the names.</summary>
    public static IEnumerable<T> Shuffle<T>(IEnumerable<T> items, Func<T, string> name, string scope)
    {
        var sorted = items.OrderBy(name, StringComparer.Ordinal).ToArray();
        new Random(Seed ^ StableHash(scope)).Shuffle(sorted);
        return sorted;
    }

    // string.GetHashCode differs per process; the order must not.
    private static int StableHash(string text)
    {
        unchecked
        {
            var hash = (int)2166136261;
            foreach (var c in text)
                hash = (hash ^ c) * 16777619;
            return hash;
        }
    }
}

public sealed class RandomTestCaseOrderer : ITestCaseOrderer
{
    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase
    {
        var list = testCases.ToList();
        var scope = list.FirstOrDefault()?.TestMethod.TestClass.Class.Name ?? "";
        return TestOrder.Shuffle(list, t => t.UniqueID, scope);
    }
}

public sealed class RandomTestCollectionOrderer : ITestCollectionOrderer
{
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        TestOrder.Shuffle(testCollections, c => c.DisplayName, "collections");
}
