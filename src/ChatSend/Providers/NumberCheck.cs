using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using ChatSend.Send;
using ChatSend.Sessions;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatSend.Providers;

/// <summary>
/// Whether a chat's number is on WhatsApp, as the session's provider answers it: the <c>onWhatsApp</c> of
/// <c>GET /sessions/{session}/chats/{chat}</c>. Best effort: it never throws for the provider's sake.
/// </summary>
public interface INumberCheck
{
    /// <summary>
    /// <c>true</c> or <c>false</c> from the provider's number check (cached, <see cref="NumberCheckOptions"/>);
    /// <c>null</c> when it is not known: the provider has no check (<see cref="ProviderCapabilities.NumberCheck"/>),
    /// <paramref name="chat"/> is a group or not a phone number, or the provider failed or did not answer in time.
    /// </summary>
    Task<bool?> IsOnWhatsAppAsync(Session session, string chat, CancellationToken cancellationToken);
}

/// <summary>
/// <c>ChatSend:NumberCheck</c>: how long an instance keeps a provider's answer, and how long it waits for one. A number
/// that is on WhatsApp rarely leaves it, so a yes is kept longer than a no (a customer may install WhatsApp today); an
/// unknown (the provider failed) is kept briefly, so a provider that is down is not asked on every chat view.
/// </summary>
public sealed class NumberCheckOptions
{
    public const string Section = "ChatSend:NumberCheck";

    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan OnWhatsAppFor { get; set; } = TimeSpan.FromHours(24);

    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan NotOnWhatsAppFor { get; set; } = TimeSpan.FromHours(1);

    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan UnknownFor { get; set; } = TimeSpan.FromMinutes(1);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:30")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// <see cref="INumberCheck"/> over the providers' <see cref="IChannelProvider.IsOnWhatsAppAsync"/>: a phone number only
/// (a group is not checked: <c>null</c>), asked of a provider that declares <see cref="ProviderCapabilities.NumberCheck"/>,
/// within <see cref="NumberCheckOptions.Timeout"/>, the answer kept per session and number in this instance's memory
/// (checks of one number at the same moment share one question). A failure or a timeout is <c>null</c> and a warning with
/// the number masked, never an exception.
/// </summary>
public sealed partial class NumberCheck(
    ChannelProviders providers,
    IOptions<NumberCheckOptions> options,
    TimeProvider time,
    ILogger<NumberCheck> logger) : INumberCheck, IDisposable
{
    private const int MaxEntries = 100_000;

    private readonly MemoryCache _answers = new(new MemoryCacheOptions { SizeLimit = MaxEntries });
    private readonly ConcurrentDictionary<string, Lazy<Task<bool?>>> _pending = new();

    public async Task<bool?> IsOnWhatsAppAsync(Session session, string chat, CancellationToken cancellationToken)
    {
        if (Recipient.Parse(chat) is not { IsGroup: false } number)
            return null;
        if (providers.Find(session.Provider) is not { Capabilities.NumberCheck: true } provider)
            return null;
        var key = $"{session.Id}\n{number.Value}";
        if (_answers.TryGetValue(key, out Answer? kept) && time.GetUtcNow() < kept!.Until)
            return kept.OnWhatsApp;
        // Views of one chat at the same moment share one question; each waits only as long as its own caller does.
        var pending = _pending.GetOrAdd(key, _ => new Lazy<Task<bool?>>(() => AskAsync(session, provider, number.Value, key)));
        try
        {
            return await pending.Value.WaitAsync(cancellationToken);
        }
        finally
        {
            _pending.TryRemove(new KeyValuePair<string, Lazy<Task<bool?>>>(key, pending));
        }
    }

    /// <summary>One question to the provider, within the timeout whoever asked; its answer, even unknown, is kept.</summary>
    private async Task<bool?> AskAsync(Session session, IChannelProvider provider, string number, string key)
    {
        var settings = options.Value;
        bool? answer;
        using (var timeout = new CancellationTokenSource(settings.Timeout, time))
        {
            try
            {
                answer = await provider.IsOnWhatsAppAsync(session, number, timeout.Token);
            }
            catch (Exception ex)
            {
                var reason = ex is OperationCanceledException && timeout.IsCancellationRequested
                    ? $"no answer within {settings.Timeout.TotalSeconds:0.#} s"
                    : Masked(ex.Message, number);
                LogUnknown(session.Id, provider.Name, Recipient.Mask(number), reason);
                answer = null;
            }
        }

        var lifetime = answer switch { true => settings.OnWhatsAppFor, false => settings.NotOnWhatsAppFor, null => settings.UnknownFor };
        if (lifetime > TimeSpan.Zero)
            _answers.Set(key, new Answer(answer, time.GetUtcNow() + lifetime),
                new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = lifetime });
        return answer;
    }

    /// <summary>A provider's reason with the number in it (as digits, with or without <c>+</c>) masked.</summary>
    private static string Masked(string reason, string e164) =>
        reason.Replace(e164.TrimStart('+'), Recipient.Mask(e164).TrimStart('+'), StringComparison.Ordinal);

    public void Dispose() => _answers.Dispose();

    private sealed record Answer(bool? OnWhatsApp, DateTimeOffset Until);

    [LoggerMessage(LogLevel.Warning, "Number check of {Chat} for session {SessionId} at provider {Provider} failed, answered as unknown: {Reason}")]
    private partial void LogUnknown(string sessionId, string provider, string chat, string reason);
}
