using System.Text.Json.Serialization;
using ChatSend.Messages;
using ChatSend.Queues;

namespace ChatSend.Events;

/// <summary>
/// A queue job: hand message <see cref="Id"/>'s pending events to the sinks. Only a trigger: the outbox entries are the
/// record, so a repeated job finds nothing left to do, and a lost one is queued again by the sweeper.
/// </summary>
public sealed record EventJob(MessageId Id) : IQueueMessage
{
    [JsonIgnore]
    public bool IsValid => Id != default;
}
