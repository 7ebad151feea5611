using System.Security.Cryptography;
using ChatSend.Auth;
using ChatSend.Inbound;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Providers.Callbacks;
using ChatSend.Providers.Evolution;
using ChatSend.Providers.Waha;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Send;
using ChatSend.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.Infrastructure;

/// <summary>
/// Sessions on each provider the tests fake (pacing off, pointed at the fake), and customers' messages to them as the
/// providers' callbacks would record them, with ids of the form each provider gives.
/// </summary>
public sealed class ProviderSessions(TestApp app, FakeCloudApi cloud, FakeWaha waha, EvolutionServer evolution)
{
    public const string Customer = "+12025550123";

    /// <summary>The secrets the sessions name, for the app's configuration.</summary>
    public static Dictionary<string, string?> Secrets(FakeCloudApi cloud) => new()
    {
        ["ChatSend:Secrets:cloud_token"] = cloud.AccessToken,
        ["ChatSend:Secrets:waha_key"] = FakeWaha.ApiKey,
        ["ChatSend:Secrets:evo_key"] = EvolutionServer.ApiKey,
    };

    /// <summary>The providers with a fake server behind them.</summary>
    public static TheoryData<string> Real => new(WhatsAppCloudProvider.ProviderName, WahaProvider.ProviderName, EvolutionProvider.ProviderName);

    /// <summary>The real ones and the sandbox.</summary>
    public static TheoryData<string> All => new(ProviderCatalog.BuiltIn.Select(p => p.Name));

    /// <summary>A session on <paramref name="provider"/> with a key for it alone; the WAHA session or Evolution instance is new and working.</summary>
    public async Task<(Session Session, string Key)> NewAsync(string provider)
    {
        var (settings, secrets) = provider switch
        {
            // Sends to customers who never wrote: the 24-hour window is tested apart (ChatWindowTests, WhatsAppCloudWindowTests).
            WhatsAppCloudProvider.ProviderName => (new() { ["phoneNumberId"] = cloud.NewPhoneNumberId(), ["baseUrl"] = cloud.BaseUrl, ["windowPolicy"] = "off" },
                new() { ["accessToken"] = "cloud_token" }),
            WahaProvider.ProviderName => (new() { ["baseUrl"] = waha.BaseUrl, ["wahaSession"] = NewWahaSession() }, new() { ["apiKey"] = "waha_key" }),
            EvolutionProvider.ProviderName => (new() { ["baseUrl"] = evolution.BaseUrl, ["instance"] = evolution.NewInstance() },
                new Dictionary<string, string> { ["apiKey"] = "evo_key" }),
            _ => (new Dictionary<string, string>(), new Dictionary<string, string>()),
        };
        settings["maxPerMinute"] = "0";
        settings["minRecipientGapSeconds"] = "0";
        var session = new Session("r" + Guid.NewGuid().ToString("N")[..12], "+15550100001", provider, settings, Enabled: true, secrets)
        {
            Partitions = TestSessions.Partitions,
        };
        await app.Services.GetRequiredService<SessionStore>().UpsertAsync(session);
        return (session, await app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("test", [session.Id]));
    }

    private string NewWahaSession()
    {
        var name = "w" + Guid.NewGuid().ToString("N")[..10];
        waha.Sessions[name] = "WORKING";
        return name;
    }

    /// <summary>
    /// A customer's message to the session, recorded as the provider's callback records it: from <paramref name="sender"/>
    /// (the customer) in <paramref name="chat"/> (the customer, or a group), with an id of the provider's form.
    /// </summary>
    public async Task<MessageEntity> ReceiveAsync(Session session, string chat = Customer, string? sender = null)
    {
        sender ??= chat;
        var report = new InboundReport(session.Id, CustomerMessageId(session.Provider, chat, sender), DateTimeOffset.UtcNow, chat, sender,
            MessageType.Text, "is my order on its way?");
        var (message, recorded) = await app.Services.GetRequiredService<InboundRecorder>()
            .RecordAsync(session, session.Provider, report, CancellationToken.None);
        Assert.True(recorded);
        return message;
    }

    /// <summary>An id of the form the provider gives a message it received.</summary>
    public static string CustomerMessageId(string provider, string chat, string sender)
    {
        var hex = Convert.ToHexString(RandomNumberGenerator.GetBytes(10));
        return provider switch
        {
            // wamid.<base64>, as the Cloud API's messages webhook gives it
            WhatsAppCloudProvider.ProviderName => "wamid." + Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)),
            // WAHA's serialized id: fromMe, chat, id, and in a group the participant
            WahaProvider.ProviderName => ChatAddress.IsGroup(chat)
                ? $"false_{chat}_{hex}_{WahaProvider.ChatId(sender)}"
                : $"false_{WahaProvider.ChatId(chat)}_{hex}",
            // Evolution's key.id, Baileys' id
            EvolutionProvider.ProviderName => "3A" + hex,
            _ => "in-" + Guid.NewGuid().ToString("N"),
        };
    }
}
