using System.Net.Http.Headers;
using ChatSend.Providers;
using ChatSend.Sessions;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// The ChatSend that the end-to-end tests in <c>EndToEnd.AnyHost</c> drive over HTTP. By default a local host on a free
/// port over this class's own Azurite. With <c>CHATSEND_E2E_BASE_URL</c> (and <c>CHATSEND_E2E_STORAGE</c>, the storage
/// connection string of that deployment) set, any running ChatSend instead: <c>func start</c>, a deployed app, or a
/// local host started by hand. Tests reach storage only to register sessions and keys and to read rows back, as an
/// operator would; the host's sandbox provider does the delivering.
/// </summary>
public sealed class ChatSendTarget : IAsyncLifetime
{
    public const string BaseUrlVariable = "CHATSEND_E2E_BASE_URL";
    public const string StorageVariable = "CHATSEND_E2E_STORAGE";

    private Azurite? _azurite;
    private TestApp? _app;
    private TestServices _storage = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>Library services over the target's storage: stores for sessions, keys and messages.</summary>
    public T Get<T>() where T : notnull => _storage.Get<T>();

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(BaseUrlVariable) is { Length: > 0 } baseUrl)
        {
            var storage = Environment.GetEnvironmentVariable(StorageVariable) is { Length: > 0 } connection
                ? connection
                : throw new InvalidOperationException($"{BaseUrlVariable} is set: set {StorageVariable} to the storage connection string of that host too.");
            _storage = new TestServices(storage);
            Http = new HttpClient { BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/") };
            return;
        }
        _azurite = new Azurite();
        await _azurite.InitializeAsync();
        _app = await TestApp.StartAsync(_azurite, new Dictionary<string, string?>
        {
            ["ChatSend:Media:AllowedPrivateNetworks"] = "127.0.0.1/32",
            ["ChatSend:Webhooks:AllowHttp"] = "true", // receivers on 127.0.0.1, as scripts/e2e-external.sh allows too
        });
        _storage = new TestServices(_azurite);
        Http = _app.Http;
    }

    public async Task DisposeAsync()
    {
        await _storage.DisposeAsync();
        if (_app is not null)
            await _app.DisposeAsync();
        else
            Http.Dispose();
        if (_azurite is not null)
            await _azurite.DisposeAsync();
    }

    /// <summary>A new session on the sandbox provider (every host has it) and a key scoped to it alone.</summary>
    public Task<(Session Session, string Key)> NewSessionAsync(bool enabled = true) =>
        _storage.NewSessionAsync(SandboxProvider.ProviderName, enabled: enabled);

    /// <summary>A sandbox session with these settings (a template catalogue, say).</summary>
    public Task<(Session Session, string Key)> NewSessionAsync(IDictionary<string, string> settings) =>
        _storage.NewSessionAsync(SandboxProvider.ProviderName, settings);

    public static HttpRequestMessage Request(HttpMethod method, string path, string? key, string? json = null)
    {
        var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (key is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (json is not null)
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        return request;
    }
}
