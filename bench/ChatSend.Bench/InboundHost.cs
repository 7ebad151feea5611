using System.Security.Cryptography;
using ChatSend.Events;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Sessions;
using ChatSend.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Bench;

/// <summary>
/// The local host, its queue listeners on, with a <c>whatsapp-cloud</c> session that <see cref="Callbacks"/> post to
/// (found by its phone number id, verified with its app secret) and, when asked, a webhook following the session: a
/// <see cref="WebhookReceiver"/> registered through <see cref="WebhookStore"/> for <c>chatsend.message.received</c>.
/// </summary>
internal sealed class InboundHost : IAsyncDisposable
{
    public const string PhoneNumberId = "106540352242922";
    private const string AppSecretName = "bench_cloud_app_secret";
    private readonly HttpClient _http;

    private InboundHost(WebApplication app, Session session, WebhookReceiver? receiver, string appSecret)
    {
        (App, Session, Receiver) = (app, session, receiver);
        _http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        Callbacks = new CloudCallbacks(_http, appSecret);
    }

    public WebApplication App { get; }
    public Session Session { get; }
    public CloudCallbacks Callbacks { get; }

    /// <summary>The webhook following the session, or null.</summary>
    public WebhookReceiver? Receiver { get; }

    public static async Task<InboundHost> StartAsync(Azurite azurite, StorageCallCounter counter, bool webhook)
    {
        var appSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var app = BenchHost.CreateHost(azurite, counter, listeners: true,
            settings: new Dictionary<string, string?> { [$"{ProviderSecrets.Section}:{AppSecretName}"] = appSecret });
        var session = await BenchHost.CreateSessionAsync(app.Services, WhatsAppCloudProvider.ProviderName,
            new() { ["phoneNumberId"] = PhoneNumberId }, new() { [WhatsAppCloudSettings.AppSecret] = AppSecretName });
        var receiver = webhook ? await FollowAsync(app.Services, session) : null;
        await app.StartAsync();
        return new InboundHost(app, session, receiver, appSecret);
    }

    /// <summary>Throws unless <paramref name="count"/> customers' messages were recorded.</summary>
    public Task CheckAllAsync(int count) => BenchHost.CheckAllAsync(App.Services, Session, count, MessageStatus.Received);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        if (Receiver is not null)
            await Receiver.DisposeAsync();
    }

    private static async Task<WebhookReceiver> FollowAsync(IServiceProvider services, Session session)
    {
        var receiver = await WebhookReceiver.StartAsync();
        var (_, secret) = await services.GetRequiredService<WebhookStore>()
                              .CreateAsync(session.Id, new Uri(receiver.Url), [MessageEvents.TypeOf(MessageStatus.Received)])
                          ?? throw new InvalidOperationException("the webhook was not registered");
        receiver.Secret = secret;
        return receiver;
    }
}
