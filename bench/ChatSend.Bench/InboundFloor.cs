using Azure.Data.Tables;
using Azure.Storage.Queues;
using ChatSend.Events;
using ChatSend.Messages;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Queues;
using ChatSend.Sessions;
using ChatSend.Send;
using ChatSend.Storage;

namespace ChatSend.Bench;

/// <summary>
/// The least recording a customer's message can write, with the same storage clients: one entity-group transaction in
/// the session's partition (the provider-id row, the message row, its chat index row) and, when a sink follows the
/// session (<paramref name="events"/>), its outbox entry in the transaction and then the events job (a queue put).
/// A callback's messages one after another, as the callback pipeline applies them; no HTTP, no parsing, no signature.
/// </summary>
internal sealed class InboundFloor(StorageClients storage, Session session, bool events)
{
    private readonly TableClient _table = storage.Table(StorageNames.MessagesTable);
    private readonly QueueClient _events = storage.Queue(StorageNames.EventsQueue);

    public async Task ApplyAsync(CloudNotification notification)
    {
        foreach (var text in notification.Messages)
            await RecordAsync(text, notification.Customer);
    }

    private async Task RecordAsync(CustomerText text, string customer)
    {
        var now = DateTimeOffset.UtcNow;
        var id = MessageId.New(session.Id, now);
        var message = new MessageEntity
        {
            PartitionKey = id.Session,
            RowKey = id.RowKey,
            Id = id.Value,
            Direction = MessageDirections.Inbound,
            Chat = customer,
            Sender = customer,
            To = session.SenderPhone,
            Recipient = session.SenderPhone,
            MessageType = MessageType.Text,
            Text = text.Text,
            Content = text.Text,
            AcceptedAt = now,
            ProviderMessageId = text.ProviderId,
        };
        message.Advance(MessageStatus.Received, now);
        var outbox = OutboxEntry.For(id, 0, message.Reached[0], now.AddHours(1));
        await _table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add,
                new TableEntity(id.Session, MessageRowKeys.ProviderIdOf(WhatsAppCloudProvider.ProviderName, text.ProviderId)) { ["MessageId"] = id.Value }),
            new TableTransactionAction(TableTransactionActionType.Add, message),
            new TableTransactionAction(TableTransactionActionType.Add,
                new TableEntity(id.Session, MessageRowKeys.ChatEntryOf(customer, id)) { ["Direction"] = message.Direction }),
            .. events ? new[] { new TableTransactionAction(TableTransactionActionType.UpsertReplace, outbox) } : [],
        ]);
        if (events)
            await _events.SendMessageAsync(QueueMessages.Serialize(new EventJob(id)), null, TimeSpan.FromSeconds(-1));
    }
}
