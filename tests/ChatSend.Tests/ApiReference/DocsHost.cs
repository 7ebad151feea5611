using System.Text.Json;
using ChatSend.Http;
using ChatSend.Tests.Infrastructure;

namespace ChatSend.Tests.ApiReference;

/// <summary>A local host over its own Azurite, serving the live document and the API reference page.</summary>
public sealed class DocsHost : IAsyncLifetime
{
    public const string RegenerateCommand = "dotnet run --project src/ChatSend.Host -- openapi";

    private readonly Azurite _azurite = new();

    public TestApp App { get; private set; } = null!;

    public static string CheckedInPath { get; } = Path.Combine(RepoPaths.Root, "openapi", "v1.json");

    public static string DocumentPath => ApiDocs.DocumentPattern.Replace("{documentName}", ApiDocs.DocumentName);

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        App = await TestApp.StartAsync(_azurite);
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    public Task<string> LiveJsonAsync() => App.Http.GetStringAsync(DocumentPath);

    public async Task<JsonElement> LiveDocumentAsync() => Json.Parse(await LiveJsonAsync());

    /// <summary>The checked-in document, which <see cref="OpenApiDocumentTests"/> keeps equal to the live one.</summary>
    public static JsonElement CheckedIn() => Json.Parse(File.ReadAllText(CheckedInPath));

    public static string Normalize(string json) => json.Replace("\r\n", "\n").TrimEnd();
}
