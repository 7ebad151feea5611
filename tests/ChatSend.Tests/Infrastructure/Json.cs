using System.Text.Json;

namespace ChatSend.Tests.Infrastructure;

public static class Json
{
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;
}

/// <summary>Polls until a condition holds, for asynchronous delivery; fails with the last value seen.</summary>
public static class Eventually
{
    public static async Task<T> MatchesAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        T value;
        while (!condition(value = await read()))
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"Condition not met in time; last value: {value}");
            await Task.Delay(100); // between reads of something that must come; not a wait for something not to happen
        }
        return value;
    }
}
