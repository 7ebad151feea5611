using ChatSend.Host.Admin;
using Microsoft.Extensions.Configuration;

namespace ChatSend.Tests.Integration;

/// <summary>The operator commands, against storage that cannot be reached: a command that got as far as storage exits 3.</summary>
public sealed class AdminCommandsTests
{
    private static readonly string Unreachable =
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Convert.ToBase64String(new byte[64])};" +
        "BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1;" +
        "TableEndpoint=http://127.0.0.1:1/devstoreaccount1;";

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await AdminCommands.RunAsync(args, output, error, builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ChatSendStorage"] = Unreachable }));
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("")]
    [InlineData("0123456789ABCDEF")]
    [InlineData("0123456789abcde")]
    [InlineData("0123456789abcdef0")]
    [InlineData("0123456789abcdeg")]
    [InlineData("cs_0123456789abcdef")]
    [InlineData("0123456789abcdef\n")]
    public async Task RevokingWhatIsNotAKeyIdIsAUsageErrorThatNeverReachesStorage(string keyId)
    {
        var (code, output, error) = await RunAsync("key", "revoke", keyId);
        Assert.Equal(2, code);
        Assert.StartsWith($"error: '{keyId}' is not a key id", error);
        Assert.Empty(output);
    }

    [Fact]
    public async Task AWellFormedKeyIdIsLookedUpInStorage()
    {
        var (code, _, error) = await RunAsync("key", "revoke", "0123456789abcdef");
        Assert.Equal(3, code);
        Assert.StartsWith("error: storage is not reachable", error);
    }

    [Theory]
    [InlineData("accessToken=meta-token")] // a hyphen cannot be in an app setting name on Linux
    [InlineData("accessToken=")]
    [InlineData("=meta_token")]
    [InlineData("accessToken")]
    public async Task ASecretIsNamedNeverGivenAndABadNameIsAUsageError(string secret)
    {
        var (code, _, error) = await RunAsync("session", "s1", "--sender", "+442079460958", "--secret", secret);
        Assert.Equal(2, code);
        Assert.Contains("--secret takes <key>=<secret name>", error);
    }
}
