using System.Text.Json;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;

namespace ChatSend.Providers.Callbacks;

/// <summary>
/// A provider's callback to ChatSend (provider → ChatSend: status reports today), as <see cref="CallbackPipeline"/> takes
/// it: where it names its session, which of the session's secrets verifies it and how, and what a verified body says.
/// Adding a provider's callback is writing one of these: the body limit, finding the session, fetching the secret, the
/// order of the steps and applying the reports are the pipeline's. (Customer webhooks, ChatSend → customer, are
/// <c>Webhooks/</c>.)
/// </summary>
public interface IProviderCallback
{
    /// <summary>The provider the session must be on.</summary>
    string Provider { get; }

    /// <summary>The key of the session's secret that verifies a callback (<see cref="ProviderSecrets"/>).</summary>
    string SecretKey { get; }

    /// <summary>What this provider is answered when a callback is refused, too large or not JSON.</summary>
    CallbackAnswers Answers { get; }

    /// <summary>
    /// The names the callback gives its sessions, before anything in it is trusted: the route's session id, or (the
    /// Cloud API) each <c>phone_number_id</c> of the body. Empty when it names none.
    /// </summary>
    IReadOnlyList<string> SessionNames(CallbackRequest request);

    /// <summary>
    /// The sessions a name stands for: one, or none; several only where sessions stored before a phone number was one
    /// session's share a Cloud API number.
    /// </summary>
    Task<IReadOnlyList<Session>> FindSessionsAsync(string name, CancellationToken cancellationToken);

    /// <summary>Whether the request carries proof of <paramref name="secret"/>, compared in constant time.</summary>
    bool Verify(CallbackRequest request, string secret);

    /// <summary>
    /// What a verified callback's JSON body reports, each under the name of the session it belongs to. JSON of another
    /// shape than the provider documents reports nothing: it is acknowledged, so the provider does not send it again.
    /// </summary>
    IReadOnlyList<CallbackReport> Parse(CallbackRequest request, JsonElement body);
}

/// <summary>A callback as it arrived: the request (headers, query), its session route value, and its body, read once.</summary>
public sealed record CallbackRequest(HttpRequest Http, string? RouteSession, byte[] Body);

/// <summary>A provider's answers, which differ between providers and stay as each has always answered.</summary>
public sealed record CallbackAnswers(IResult Refused, IResult TooLarge, IResult NotJson);

/// <summary>One thing a verified callback says, for the session it names by <see cref="SessionName"/>.</summary>
public abstract record CallbackReport(string SessionName);

/// <summary>A status of a message the session sent, known by the provider's id for it.</summary>
public sealed record StatusReport(string SessionName, string ProviderMessageId, Messages.MessageStatus Status, DateTimeOffset? At = null,
    string? Reason = null) : CallbackReport(SessionName)
{
    /// <summary>The provider failed the message as outside the chat's 24-hour window (the Cloud API's 131047).</summary>
    public bool ClosesWindow { get; init; }

    /// <summary>
    /// The chat the provider says the message went to, as ChatSend writes chats (<see cref="Inbound.ChatAddress"/>), when it
    /// says so: where the receipt looks first for the message in a session of several partitions.
    /// </summary>
    public string? Chat { get; init; }
}

/// <summary>
/// A callback whose route names its session (<c>/webhooks/&lt;provider&gt;/{session}</c>): the provider is configured with
/// one URL per session, and the route segment is looked up as a session id.
/// </summary>
public abstract class RouteSessionCallback(SessionStore sessions) : IProviderCallback
{
    public abstract string Provider { get; }

    public abstract string SecretKey { get; }

    public abstract CallbackAnswers Answers { get; }

    public IReadOnlyList<string> SessionNames(CallbackRequest request) => request.RouteSession is { } name ? [name] : [];

    public async Task<IReadOnlyList<Session>> FindSessionsAsync(string name, CancellationToken cancellationToken) =>
        await sessions.FindAsync(name, cancellationToken) is { } session ? [session] : [];

    public abstract bool Verify(CallbackRequest request, string secret);

    public abstract IReadOnlyList<CallbackReport> Parse(CallbackRequest request, JsonElement body);
}

/// <summary>
/// A customer's message to the session. <see cref="Chat"/> is the customer, or the group; <see cref="Sender"/> the
/// customer (in a group, the participant): an E.164 number where the provider gives one (<see cref="Inbound.ChatAddress"/>),
/// else its id as given (a WhatsApp LID, the Cloud API's user id). <see cref="SentAt"/> is the provider's time for it.
/// </summary>
public sealed record InboundReport(string SessionName, string ProviderMessageId, DateTimeOffset? SentAt, string Chat, string Sender,
    Send.MessageType Type, string? Text) : CallbackReport(SessionName)
{
    /// <summary>Location, contacts, reaction or button; a reaction names the provider's id of the message it is on.</summary>
    public Messages.MessageDetails? Details { get; init; }

    /// <summary>The provider's id of the message this one quotes.</summary>
    public string? QuotedProviderId { get; init; }

    /// <summary>The provider's reference to the file (its own JSON: an id, a URL, a key), fetched after the message is recorded.</summary>
    public string? Media { get; init; }

    /// <summary>The sender's phone number when the provider gives it beside an opaque id (<see cref="Sender"/>), so the two are one person.</summary>
    public string? SenderPhone { get; init; }
}
