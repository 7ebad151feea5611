using ChatSend.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatSend.Tests.Client;

public sealed class ClientOptionsTests
{
    [Theory]
    [InlineData(null, "cs_key", "BaseAddress")]
    [InlineData("/relative", "cs_key", "BaseAddress")]
    [InlineData("ftp://chatsend.test/", "cs_key", "BaseAddress")]
    [InlineData("https://chatsend.test/", "", "ApiKey is required")]
    [InlineData("https://chatsend.test/", "cs secret with spaces", "ApiKey must be printable")]
    public void InvalidOptionsAreRefusedWhenTheClientIsResolved(string? baseAddress, string apiKey, string expected)
    {
        var address = baseAddress is null ? null : new Uri(baseAddress, UriKind.RelativeOrAbsolute);
        using var services = new ClientServices(address!, apiKey);

        var refused = Assert.Throws<OptionsValidationException>(() => services.Client);

        Assert.Contains(expected, refused.Message);
        if (apiKey.Length > 0)
            Assert.DoesNotContain(apiKey, refused.Message);
    }

    [Fact]
    public async Task ABaseAddressWithAPathKeepsItAndIdsAreEscaped()
    {
        var server = new ScriptedChatSend(() => ScriptedChatSend.Answer(System.Net.HttpStatusCode.OK, ScriptedChatSend.Accepted));
        using var services = new ClientServices(new Uri("https://chatsend.test/api"), "cs_key",
            http => http.ConfigurePrimaryHttpMessageHandler(() => server));

        await services.Client.GetAsync("msg 1/x");

        Assert.Equal("https://chatsend.test/api/messages/msg%201%2Fx", server.Seen.Single().Uri!.AbsoluteUri);
    }
}
