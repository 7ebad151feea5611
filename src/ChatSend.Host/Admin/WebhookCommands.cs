using System.Text.Json;
using ChatSend.Http;
using ChatSend.Sessions;
using ChatSend.Webhooks;

namespace ChatSend.Host.Admin;

/// <summary>
/// Operator commands for a session's customer webhooks, over the same store and checks as the HTTP routes:
/// <code>
/// webhook add &lt;session&gt; --url &lt;url&gt; [--events a,b]     prints the webhook with its secret, once
/// webhook list &lt;session&gt;
/// webhook rotate &lt;session&gt; &lt;id&gt;                      prints the new secret, once
/// webhook update &lt;session&gt; &lt;id&gt; [--url &lt;url&gt;] [--events a,b|all]
/// webhook disable &lt;session&gt; &lt;id&gt; [--reason text]
/// webhook enable &lt;session&gt; &lt;id&gt;
/// webhook delete &lt;session&gt; &lt;id&gt;
/// </code>
/// Output is the JSON the API answers; no other command prints a secret.
/// </summary>
public static class WebhookCommands
{
    public const string Usage =
        "webhook add <session> --url <url> [--events a,b] | webhook list <session> | webhook rotate <session> <id> | " +
        "webhook update <session> <id> [--url <url>] [--events a,b|all] | webhook disable <session> <id> [--reason text] | " +
        "webhook enable <session> <id> | webhook delete <session> <id>";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <param name="args">the arguments after <c>webhook</c></param>
    public static async Task<int> RunAsync(string[] args, IServiceProvider services, TextWriter output)
    {
        if (args is not [var verb, var session, ..] || !SessionId.IsValid(session))
            throw new ArgumentException("usage: " + Usage);
        if (services.GetRequiredService<WebhookSecretCipher>().KeyProblem is { } missing)
            throw new ArgumentException(missing);
        if (await services.GetRequiredService<SessionStore>().FindAsync(session) is null)
            throw new ArgumentException($"no session '{session}'");
        var store = services.GetRequiredService<WebhookStore>();
        var api = services.GetRequiredService<WebhooksApi>();
        var rest = args[2..];
        object? answer = (verb, rest) switch
        {
            ("add", _) => await AddAsync(store, session, await ChangesAsync(services, rest, creating: true)),
            ("list", []) => new WebhookList(await Task.WhenAll((await store.ListAsync(session)).Select(r => api.ViewAsync(r, CancellationToken.None)))),
            ("rotate", [var id]) => await store.RotateAsync(session, id) is { } secret ? new RotatedWebhookView(id, secret) : null,
            ("update", [var id, .. var options]) => await UpdateAsync(api, store, session, id, await ChangesAsync(services, options, creating: false)),
            ("enable", [var id]) => await UpdateAsync(api, store, session, id, new WebhookChanges(null, null, Enabled: true)),
            ("disable", [var id, .. var options]) => await DisableAsync(api, store, session, id, AdminCommands.Option(options, "--reason")),
            ("delete", [var id]) => await DeleteAsync(services, session, id),
            _ => throw new ArgumentException("usage: " + Usage),
        };
        if (answer is null)
        {
            await output.WriteLineAsync($"no webhook '{args.ElementAtOrDefault(2)}' in session '{session}'");
            return 1;
        }
        await output.WriteLineAsync(answer as string ?? JsonSerializer.Serialize(answer, answer.GetType(), Indented));
        return 0;
    }

    private static async Task<CreatedWebhookView> AddAsync(WebhookStore store, string session, WebhookChanges changes) =>
        await store.CreateAsync(session, changes.Url!, changes.Events ?? []) is ({ } row, { } secret)
            ? CreatedWebhookView.From(row, secret)
            : throw new ArgumentException($"session '{session}' has as many webhooks as it may have (ChatSend:Webhooks:MaxPerSession); delete one first");

    private static async Task<WebhookView?> UpdateAsync(WebhooksApi api, WebhookStore store, string session, string id, WebhookChanges changes) =>
        await store.UpdateAsync(session, id, row => WebhooksApi.Apply(row, changes)) is { } row ? await api.ViewAsync(row, CancellationToken.None) : null;

    private static async Task<WebhookView?> DisableAsync(WebhooksApi api, WebhookStore store, string session, string id, string? reason) =>
        await store.UpdateAsync(session, id, row =>
        {
            row.Enabled = false;
            row.DisabledReason = reason ?? "disabled by the operator";
            return true;
        }) is { } row ? await api.ViewAsync(row, CancellationToken.None) : null;

    private static async Task<string?> DeleteAsync(IServiceProvider services, string session, string id)
    {
        if (!WebhookEntity.IsId(id))
            return null;
        await services.GetRequiredService<WebhookLog>().ClearAsync(session, id, CancellationToken.None);
        return await services.GetRequiredService<WebhookStore>().DeleteAsync(session, id) ? $"webhook {id} deleted" : null;
    }

    /// <summary>--url and --events, checked as the API checks url and events; a problem is a usage error naming the option.</summary>
    private static async Task<WebhookChanges> ChangesAsync(IServiceProvider services, string[] options, bool creating)
    {
        var errors = new FieldErrors();
        var events = AdminCommands.Option(options, "--events") is { } list
            ? WebhookRequestReader.Events(list == "all" ? [] : list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), errors)
            : null;
        var wire = new WebhookRequest { Url = AdminCommands.Option(options, "--url") };
        var changes = await services.GetRequiredService<WebhookRequestReader>().CheckAsync(wire, creating, errors, CancellationToken.None);
        if (errors.Count > 0)
            throw new ArgumentException(string.Join("; ", errors.ToDictionary().Select(e => $"--{e.Key.Split('[')[0]}: {string.Join(", ", e.Value)}")));
        return changes with { Events = events };
    }
}
