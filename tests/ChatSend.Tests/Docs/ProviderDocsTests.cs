using ChatSend.Http;
using ChatSend.Providers;
using ChatSend.Providers.Callbacks;
using ChatSend.Providers.Settings;
using ChatSend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSend.Tests.Docs;

/// <summary>
/// What users read of each provider is produced from the provider's own declarations: the tables of
/// <c>docs/providers.md</c> and the description of <c>POST /send</c> come from <see cref="ProviderCatalog"/>, and the
/// catalog says what the registered providers say.
/// </summary>
public sealed class ProviderDocsTests
{
    private static readonly string ProvidersPage = Path.Combine(RepoPaths.Root, "docs", "providers.md");

    [Fact]
    public void TheProviderTablesInTheDocsAreTheOnesTheCodeDeclares()
    {
        var page = File.ReadAllText(ProvidersPage).ReplaceLineEndings("\n");
        Assert.True(page == ProviderCatalog.WriteDocs(page),
            "docs/providers.md's generated tables differ from the providers' declarations: run 'dotnet run --project src/ChatSend.Host -- docs'.");
    }

    [Fact]
    public async Task TheCatalogSaysWhatTheRegisteredProvidersSay()
    {
        await using var services = new TestServices("UseDevelopmentStorage=true");
        var registered = services.Get<ChannelProviders>();

        Assert.All(ProviderCatalog.BuiltIn, entry =>
        {
            var provider = registered.Find(entry.Name);
            Assert.NotNull(provider);
            Assert.True(entry.Capabilities.Types.SetEquals(provider.Capabilities.Types), $"{entry.Name}: types");
            Assert.Equal(entry.Capabilities with { Types = provider.Capabilities.Types }, provider.Capabilities);
            Assert.Same(entry.Settings, provider.Settings);
            Assert.Equal(entry.Pacing, provider.Pacing);
        });
        // Every provider a deployment has is in the catalog (the tests' scripted provider aside).
        Assert.Equal(ProviderCatalog.BuiltIn.Select(p => p.Name).Order(), registered.Names.Where(n => n != ScriptedProvider.ProviderName).Order());
    }

    [Fact]
    public async Task AProviderSaysItFetchesCustomersFilesExactlyWhenItHasASourceForThem()
    {
        await using var services = new TestServices("UseDevelopmentStorage=true");
        var sources = services.Get<IEnumerable<ChatSend.Inbound.IInboundMediaSource>>().Select(s => s.Provider).ToHashSet();
        var registered = services.Get<ChannelProviders>();

        Assert.All(registered.Names.Where(n => n != ScriptedProvider.ProviderName), name =>
            Assert.True(registered.Find(name)!.Capabilities.InboundMedia == sources.Contains(name),
                $"{name}: declares inbound media {registered.Find(name)!.Capabilities.InboundMedia}, has a source: {sources.Contains(name)}"));
        Assert.Contains(SandboxProvider.ProviderName, sources);
    }

    [Fact]
    public async Task AProviderSaysItChecksNumbersExactlyWhenItImplementsTheCheck()
    {
        await using var services = new TestServices("UseDevelopmentStorage=true");
        var registered = services.Get<ChannelProviders>();
        var check = typeof(IChannelProvider).GetMethod(nameof(IChannelProvider.IsOnWhatsAppAsync))!;

        Assert.All(registered.Names.Where(n => n != ScriptedProvider.ProviderName), name =>
        {
            var provider = registered.Find(name)!;
            var map = provider.GetType().GetInterfaceMap(typeof(IChannelProvider));
            var own = map.TargetMethods[Array.IndexOf(map.InterfaceMethods, check)].DeclaringType == provider.GetType();
            Assert.True(provider.Capabilities.NumberCheck == own, $"{name}: declares number check {provider.Capabilities.NumberCheck}, implements it: {own}");
        });
        Assert.True(registered.Find(ChatSend.Providers.Waha.WahaProvider.ProviderName)!.Capabilities.NumberCheck);
        Assert.True(registered.Find(ChatSend.Providers.Evolution.EvolutionProvider.ProviderName)!.Capabilities.NumberCheck);
    }

    [Fact]
    public async Task EachCallbackIsVerifiedByASecretItsProviderDeclaresForCallbacks()
    {
        await using var services = new TestServices("UseDevelopmentStorage=true");
        IProviderCallback[] callbacks =
        [
            services.Get<ChatSend.Providers.Waha.WahaCallback>(),
            services.Get<ChatSend.Providers.Evolution.EvolutionCallback>(),
            services.Get<ChatSend.Providers.WhatsAppCloud.WhatsAppCloudCallback>(),
        ];
        Assert.All(callbacks, callback => Assert.Contains(
            services.Get<ChannelProviders>().Find(callback.Provider)!.Settings.Secrets,
            s => s.Key == callback.SecretKey && s.Use == SecretUse.Callbacks));
    }

    [Fact]
    public void TheSendRouteSaysWhatEachProviderSends()
    {
        var send = ApiEndpoints.Find(ApiEndpoints.Send)!;
        Assert.Contains(ProviderCatalog.SendSupport(), send.Description);
        Assert.Contains("whatsapp-cloud: text, image, video, document, ptt, not to groups", send.Description);
    }
}
