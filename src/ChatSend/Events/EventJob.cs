using System.Text.Json.Serialization;
using ChatSend.Messages;
using ChatSend.Queues;

namespace ChatSend.Events;

/// <summary>
/// A queue job: hand message <see cref="Id"/>'s pending events to the sinks. Only a trigger: the outbox entries are the
/// record, so a repeated job finds nothing left to do, and a lost one is queued again by the sweeper. For a customer's
/// message, <see cref="Chat"/> names its chat, whose received events are handed on in order first (<see cref="ChatOrder"/>).
/// </summary>
public sealed record EventJob(MessageId Id) : IQueueMessage
{
    public string? Chat { get; init; }

    [JsonIgnore]
    public bool IsValid => Id != default && Chat is null or { Length: > 0 };
}
