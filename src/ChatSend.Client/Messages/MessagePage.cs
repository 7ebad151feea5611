using System.Text.Json.Serialization;

namespace ChatSend.Client;

/// <summary>One page of <c>GET /messages</c>, newest first.</summary>
/// <param name="Items">The messages of this page.</param>
/// <param name="Next">The cursor of the next page, or null on the last one.</param>
public sealed record MessagePage(
    [property: JsonPropertyName("items")] IReadOnlyList<ChatSendMessage> Items,
    [property: JsonPropertyName("next")] string? Next);

/// <summary>Narrows <c>GET /messages</c>; every part is optional.</summary>
/// <param name="Status">Only messages in this status.</param>
/// <param name="To">Only messages to this recipient (a phone number in any accepted form, or a group JID).</param>
/// <param name="Since">Only messages accepted at or after this time.</param>
/// <param name="Until">Only messages accepted before this time.</param>
/// <param name="Chat">One conversation, both directions: a phone number, a group JID, or a customer's id as a message shows it.</param>
/// <param name="Direction"><c>inbound</c> (customers' messages) or <c>outbound</c> (the session's).</param>
public sealed record MessageFilter(MessageStatus? Status = null, string? To = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null,
    string? Chat = null, string? Direction = null);

/// <summary>Which page of <c>GET /messages</c> to read.</summary>
/// <param name="Limit">Messages per page, 1 to 200; the server's default (50) when null.</param>
/// <param name="Cursor">The previous page's <see cref="MessagePage.Next"/>; null for the first page.</param>
public sealed record PageRequest(int? Limit = null, string? Cursor = null);
