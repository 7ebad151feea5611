using ChatSend.Send;

namespace ChatSend.Providers;

/// <summary>
/// What a provider can do, declared once per provider as data. <c>/send</c> refuses what a session's provider cannot
/// send (422 naming the field) before anything is staged; the OpenAPI description and the provider table in
/// <c>docs/providers.md</c> are produced from the same values (<see cref="ProviderCatalog"/>).
/// </summary>
/// <param name="Types">The message types it sends. A type not listed is refused at <c>/send</c>, never sent as something else.</param>
/// <param name="Groups">Whether it sends to group JIDs (<c>…@g.us</c>).</param>
/// <param name="Preview">Whether it takes the custom link-preview fields of a text (<c>preview</c>).</param>
public sealed record ProviderCapabilities(IReadOnlySet<MessageType> Types, bool Groups, bool Preview)
{
    /// <summary>Approved message templates (<c>template</c> on <c>/send</c>).</summary>
    public bool Templates { get; init; }

    /// <summary>Quoting an earlier message (<c>replyTo</c> on <c>/send</c>).</summary>
    public bool Replies { get; init; }

    /// <summary>Marking a customer's message read at the provider.</summary>
    public bool MarkRead { get; init; }

    /// <summary>Asking whether a number is on WhatsApp.</summary>
    public bool NumberCheck { get; init; }

    /// <summary>Fetching the media of a customer's message.</summary>
    public bool InboundMedia { get; init; }

    /// <summary>Each capability with a name a person reads, in the order the docs' table shows them.</summary>
    public IEnumerable<(string Name, bool Supported)> Features() =>
    [
        ("groups", Groups),
        ("custom link preview", Preview),
        ("templates", Templates),
        ("replies", Replies),
        ("mark read", MarkRead),
        ("number check", NumberCheck),
        ("inbound media", InboundMedia),
    ];
}
