using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace ChatSend.Messages;

/// <summary>
/// The work marker: a row beside a message, in its partition, for as long as the message still has work ahead (accepted
/// and not yet queued, scheduled, waiting for a retry, or claimed by a worker). It is written in the same table
/// transaction as the message change that needs it and removed in the same transaction as the change that ends the
/// work, so a message is never without a way forward. When <see cref="Due"/> passes with the marker still there, the
/// sweeper queues a job for the message again. (The outbox, the message's events still to hand on, is
/// <see cref="Events.OutboxEntry"/>.) Its row key is laid out in <see cref="MessageRowKeys"/>.
/// </summary>
public sealed class WorkMarker : IDueRow
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset Due { get; set; }

    [IgnoreDataMember]
    public MessageId MessageId => new(PartitionKey, MessageRowKeys.MessageOfMarker(RowKey));

    public static WorkMarker For(MessageId id, DateTimeOffset due) =>
        new() { PartitionKey = id.PartitionKey, RowKey = MessageRowKeys.MarkerOf(id), Due = due };
}

/// <summary>A row beside a message that the sweeper acts on once <see cref="Due"/> passes: a work marker, an outbox entry.</summary>
public interface IDueRow : ITableEntity
{
    DateTimeOffset Due { get; set; }
}

/// <summary>What a message change does to its <see cref="WorkMarker"/> in the same transaction.</summary>
public abstract record MarkerChange
{
    public static MarkerChange Keep { get; } = new KeepMarker();
    public static MarkerChange Remove { get; } = new RemoveMarker();

    public static MarkerChange DueAt(DateTimeOffset due) => new SetMarker(due);

    public sealed record KeepMarker : MarkerChange;
    public sealed record RemoveMarker : MarkerChange;
    public sealed record SetMarker(DateTimeOffset Due) : MarkerChange;
}
