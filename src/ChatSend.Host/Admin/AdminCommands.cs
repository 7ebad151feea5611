using System.Text.RegularExpressions;
using Azure.Identity;
using ChatSend.Auth;
using ChatSend.Messages;
using ChatSend.Providers;
using ChatSend.Send;
using ChatSend.Sessions;
using ChatSend.Storage;
using Microsoft.Extensions.Options;

namespace ChatSend.Host.Admin;

/// <summary>
/// Operator commands against the configured storage (Azurite locally, the real account with an Azure sign-in):
/// <code>
/// init                                  create the tables, queues and container
/// session &lt;id&gt; --sender &lt;phone&gt; [--provider sandbox] [--partitions 1-16] [--disabled] [--setting name=value]...
/// key create --sessions &lt;id,id|*&gt; [--name text]    prints the new key once
/// key revoke &lt;key id&gt;
/// seed-dev                              init + session 'dev' (sandbox, recipients answering after 3 s, a template) and
///                                       'dev-window' (sandbox keeping the 24-hour window) + a key for both
/// webhook add|list|rotate|update|enable|disable|delete …   a session's customer webhooks (<see cref="WebhookCommands"/>)
/// </code>
/// Output goes to standard output, for people and scripts; the new key is printed only by <c>key create</c> and <c>seed-dev</c>,
/// a webhook secret only by <c>webhook add</c> and <c>webhook rotate</c>.
/// </summary>
public static partial class AdminCommands
{
    public const string DevSession = "dev";
    public const string DevReplyAfterSeconds = "3";
    public const string DevSender = "+15550100001";

    /// <summary>A second dev session that keeps the 24-hour window, as a Cloud API session does, with the same templates.</summary>
    public const string DevWindowSession = "dev-window";

    /// <summary>The dev sessions' template catalogue, so a local run shows templates and the window's fallback without Meta.</summary>
    public const string DevTemplates = """[{"name":"order_update","language":"en_US","body":"Hi {{1}}, your order {{2}} has shipped.","category":"UTILITY"}]""";

    private static readonly string[] Commands = ["init", "session", "key", "seed-dev", "webhook"];

    public static bool IsCommand(string[] args) => args.Length > 0 && Commands.Contains(args[0]);

    /// <param name="configure">for tests: changes the configuration or services before the commands run</param>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null,
        Action<HostApplicationBuilder>? configure = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(
            new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddChatSend(builder.Configuration);
        configure?.Invoke(builder);
        using var host = builder.Build();
        var services = host.Services;
        try
        {
            return await RunAsync(args, services, output);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }
        catch (OptionsValidationException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }
        catch (AuthenticationFailedException ex)
        {
            await error.WriteLineAsync($"error: could not sign in to Azure storage ({ex.Message.Split('\n')[0]}); run 'az login' first");
            return 3;
        }
        catch (Exception ex) when (StorageFailure.IsStorageFailure(ex))
        {
            await error.WriteLineAsync($"error: storage is not reachable ({StorageFailure.Describe(ex)}); is Azurite running?");
            return 3;
        }
    }

    private static async Task<int> RunAsync(string[] args, IServiceProvider services, TextWriter output)
    {
        var storage = services.GetRequiredService<StorageClients>();
        var sessions = services.GetRequiredService<SessionStore>();
        var keys = services.GetRequiredService<ApiKeyStore>();
        switch (args)
        {
            case ["init", ..]:
                await storage.EnsureCreatedAsync();
                await output.WriteLineAsync("storage ready: " + string.Join(", ", StorageNames.Tables.Concat(StorageNames.QueuesFor(StorageNames.MaxQueueShards)).Concat(StorageNames.Containers)));
                return 0;

            case ["session", "show", var shown]:
                var found = await sessions.FindAsync(shown) ?? throw new ArgumentException($"no session '{shown}'");
                await output.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(
                    await services.GetRequiredService<GetSessionHandler>().ViewAsync(found, CancellationToken.None),
                    new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
                return 0;

            case ["session", var id, .. var rest]:
                var sender = Recipient.Parse(Option(rest, "--sender") ?? throw new ArgumentException("--sender <phone number> is required"));
                if (sender is null || sender.IsGroup)
                    throw new ArgumentException("--sender must be a valid phone number in international form");
                var provider = Option(rest, "--provider") ?? SandboxProvider.ProviderName;
                var known = services.GetRequiredService<ChannelProviders>();
                var channel = known.Find(provider) ?? throw new ArgumentException($"unknown provider '{provider}'; known: {string.Join(", ", known.Names)}");
                var settings = Options(rest, "--setting").Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => p.ElementAtOrDefault(1) ?? "");
                var secrets = Options(rest, "--secret").Select(SecretName).ToDictionary(p => p.Key, p => p.Name);
                var partitions = await PartitionsAsync(sessions, id, Option(rest, "--partitions"));
                var session = new Session(id, sender.Value, provider, settings, Enabled: !rest.Contains("--disabled"), secrets) { Partitions = partitions };
                // Checked against the provider's settings type before anything is stored: a typo is an error now, not a failed send later.
                var invalid = channel.Settings.Validate(settings, secrets);
                if (invalid.Count == 0)
                    invalid = await channel.CheckAsync(session, CancellationToken.None);
                if (invalid.Count > 0)
                    throw new ArgumentException($"session {id} is not stored: " + string.Join("; ", invalid));
                await sessions.UpsertAsync(session);
                await output.WriteLineAsync($"session {id}: sender {sender.Value}, provider {provider}, {(rest.Contains("--disabled") ? "disabled" : "enabled")}"
                    + (partitions > 1 ? $", {partitions} partitions" : "")
                    + (secrets.Count > 0 ? $", secrets {string.Join(", ", secrets.Select(s => $"{s.Key} from {ProviderSecrets.Section}:{s.Value}"))}" : ""));
                return 0;

            case ["key", "create", .. var rest]:
                var scope = (Option(rest, "--sessions") ?? throw new ArgumentException("--sessions <id,id|*> is required")).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                await output.WriteLineAsync(await keys.CreateAsync(Option(rest, "--name") ?? "", scope));
                return 0;

            case ["key", "revoke", var keyId]:
                if (!KeyId().IsMatch(keyId))
                    throw new ArgumentException($"'{keyId}' is not a key id: a key id is the 16 lowercase hex characters after 'cs_' in the key");
                var revoked = await keys.RevokeAsync(keyId);
                await output.WriteLineAsync(revoked ? $"key {keyId} revoked" : $"no key {keyId}");
                return revoked ? 0 : 1;

            case ["seed-dev", ..]:
                await storage.EnsureCreatedAsync();
                // Its recipients answer each message after a few seconds, so a local run shows both directions.
                await sessions.UpsertAsync(new Session(DevSession, DevSender, SandboxProvider.ProviderName,
                    new Dictionary<string, string> { ["replyAfterSeconds"] = DevReplyAfterSeconds, ["templates"] = DevTemplates }, Enabled: true));
                await sessions.UpsertAsync(new Session(DevWindowSession, DevSender, SandboxProvider.ProviderName,
                    new Dictionary<string, string> { ["windowPolicy"] = "enforce", ["templates"] = DevTemplates }, Enabled: true));
                await output.WriteLineAsync(await keys.CreateAsync("local development", [DevSession, DevWindowSession]));
                return 0;

            case ["webhook", .. var rest]:
                return await WebhookCommands.RunAsync(rest, services, output);

            default:
                throw new ArgumentException("usage: init | session <id> --sender <phone> [--provider name] [--partitions 1-16] [--disabled] [--setting k=v] [--secret k=<secret name>] | session show <id> | key create --sessions <ids|*> [--name text] | key revoke <key id> | seed-dev | " + WebhookCommands.Usage);
        }
    }

    internal static string? Option(string[] args, string name) => Options(args, name).LastOrDefault();

    /// <summary>
    /// A new session's partitions: as given, else 1. A stored session keeps its own: <c>--partitions</c> may only repeat it,
    /// since its chats' rows stay where they were written (<see cref="MessagePartitions"/>).
    /// </summary>
    private static async Task<int> PartitionsAsync(SessionStore sessions, string id, string? option)
    {
        int? given = option is null ? null
            : int.TryParse(option, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
              && MessagePartitions.IsValidCount(n) ? n
            : throw new ArgumentException($"--partitions must be {MessagePartitions.Rule}, not '{option}'");
        var stored = SessionId.IsValid(id) ? await sessions.FindStoredAsync(id) : null;
        if (stored is not null && given is { } wanted && wanted != stored.Partitions)
            throw new ArgumentException($"session {id} has {stored.Partitions} partition(s) and keeps them: its chats' messages are where they "
                                        + "were written. Create a new session to have another number");
        return given ?? stored?.Partitions ?? 1;
    }

    // --secret accessToken=meta-token: the session keeps the name; the value is configuration's (Key Vault in Azure).
    private static (string Key, string Name) SecretName(string option) =>
        option.Split('=', 2) is [{ Length: > 0 } key, var name] && SecretNamePattern().IsMatch(name)
            ? (key, name)
            : throw new ArgumentException($"--secret takes <key>=<secret name> (1 to 127 letters, digits or '_', as an app setting name allows), not '{option}'; the value goes into configuration, never here");

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_]{1,127}$")]
    private static partial System.Text.RegularExpressions.Regex SecretNamePattern();

    private static IEnumerable<string> Options(string[] args, string name)
    {
        for (var i = 0; i < args.Length - 1; i++)
            if (args[i] == name)
                yield return args[i + 1];
    }

    [GeneratedRegex(@"^[0-9a-f]{16}\z")]
    private static partial Regex KeyId();
}
