using System.Globalization;
using System.Text.Json.Serialization;
using ChatSend.Http;
using ChatSend.Send;
using ChatSend.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSend.Messages;

/// <summary>A page of a session's messages, newest first, and the cursor of the next page (null on the last).</summary>
public sealed record MessagePage(
    [property: JsonPropertyName("items")] IReadOnlyList<MessageView> Items,
    [property: JsonPropertyName("next")] string? Next);

/// <summary>What <c>GET /messages</c> asks for, checked; <see cref="Partitions"/> is the session's (<see cref="Session.Partitions"/>).</summary>
public sealed record MessageQuery(string Session, int Limit, string? After, MessageStatus? Status, string? To,
    DateTimeOffset? Since, DateTimeOffset? Until, string? Chat = null, MessageDirection? Direction = null)
{
    public int Partitions { get; init; } = 1;
}

/// <summary>
/// <c>GET /messages?session=…</c>: one range of each of the session's partitions, merged newest first. <c>since</c>/<c>until</c>
/// narrow the row-key range (row keys start with the acceptance time, newest first: <see cref="MessageRowKeys.AcceptedBetween"/>);
/// <c>status</c>/<c>to</c>/<c>direction</c> filter within it; the cursor is the last row key of the page. With <c>chat</c>,
/// one conversation, in the one partition that holds it: one range read of the chat's index rows
/// (<see cref="MessageRowKeys.ChatIndex(string, RowKeyRange, string?)"/>), then its messages, 15 to a read.
/// </summary>
public sealed class ListMessagesHandler(MessageStore messages, SessionStore sessions)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>What <see cref="Read"/> reads, for the OpenAPI document.</summary>
    public static IReadOnlyList<ApiParameter> Parameters { get; } =
    [
        new(ApiParameterIn.Query, "session", typeof(string), "the session whose messages to list; the key must cover it", Required: true),
        new(ApiParameterIn.Query, "limit", typeof(int), $"messages per page, 1 to {MaxLimit} (default {DefaultLimit})"),
        new(ApiParameterIn.Query, "cursor", typeof(string), "the next value of the previous page"),
        new(ApiParameterIn.Query, "status", typeof(MessageStatus), "only messages in this status"),
        new(ApiParameterIn.Query, "to", typeof(string), "only messages to this recipient (normalised as in POST /send)"),
        new(ApiParameterIn.Query, "since", typeof(DateTimeOffset), "only messages accepted at or after this ISO 8601 time"),
        new(ApiParameterIn.Query, "until", typeof(DateTimeOffset), "only messages accepted at or before this ISO 8601 time"),
        new(ApiParameterIn.Query, "chat", typeof(string),
            "one conversation, both directions: a phone number (normalised as in POST /send), a group JID, or a customer's id as a message shows it"),
        new(ApiParameterIn.Query, "direction", typeof(MessageDirection), "only messages the session sent (outbound) or received (inbound)"),
    ];

    public async Task<Results<Ok<MessagePage>, ProblemHttpResult>> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var query = Read(request.Query, errors);
        if (query is null)
            return Problems.Validation(errors.ToDictionary());
        if (!request.HttpContext.GetApiKeyScope().Covers(query.Session))
            return Problems.SessionForbidden(query.Session);
        // A session that is not stored has no messages to find; it is read as one of a single partition, as before sessions had more.
        query = query with { Partitions = (await sessions.FindAsync(query.Session, cancellationToken))?.Partitions ?? 1 };
        var (rows, next) = query.Chat is null ? await messages.PageAsync(query, cancellationToken) : await messages.ChatPageAsync(query, cancellationToken);
        return TypedResults.Ok(new MessagePage(rows.Select(m => MessageView.From(m, withHistory: true)).ToList(), next));
    }

    public static MessageQuery? Read(IQueryCollection query, FieldErrors errors)
    {
        var session = query["session"].ToString();
        if (!SessionId.IsValid(session))
            errors.Add("session", session.Length == 0 ? "is required" : $"must be {SessionId.Rule}");
        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var l) && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
            errors.Add("limit", $"must be a whole number from 1 to {MaxLimit}");
        var after = query["cursor"].ToString() is { Length: > 0 } cursor ? cursor : null;
        if (after is not null && !MessageId.IsRowKey(after))
            errors.Add("cursor", "is not a cursor from a previous page");
        MessageStatus? status = null;
        if (query["status"].ToString() is { Length: > 0 } s)
            status = MessageStatuses.TryParse(s, out var parsed) ? parsed
                : Invalid<MessageStatus>(errors, "status", $"must be one of {string.Join(", ", Enum.GetValues<MessageStatus>().Select(v => v.ToWire()))}");
        var to = query["to"].ToString() is { Length: > 0 } t ? Recipient.Parse(t)?.Value ?? Invalid<string>(errors, "to", Recipient.Rule) : null;
        var since = Time(query, "since", errors);
        var until = Time(query, "until", errors);
        var chat = query["chat"].ToString() is { Length: > 0 } c
            ? Recipient.Parse(c)?.Value ?? (c.Length <= 256 && !c.Any(char.IsControl) ? c : Invalid<string>(errors, "chat", Recipient.Rule + ", or a customer's id as a message shows it"))
            : null;
        MessageDirection? direction = null;
        if (query["direction"].ToString() is { Length: > 0 } d)
            direction = MessageDirections.TryParse(d, out var parsedDirection) ? parsedDirection
                : Invalid<MessageDirection>(errors, "direction", "must be inbound or outbound");
        return errors.Count == 0 ? new MessageQuery(session, limit, after, status, to, since, until, chat, direction) : null;
    }

    private static DateTimeOffset? Time(IQueryCollection query, string field, FieldErrors errors)
    {
        if (query[field].ToString() is not { Length: > 0 } value)
            return null;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            return time;
        errors.Add(field, "must be an ISO 8601 time, such as 2026-04-15T10:00:00Z");
        return null;
    }

    private static T? Invalid<T>(FieldErrors errors, string field, string message) where T : notnull
    {
        errors.Add(field, message);
        return default;
    }
}
