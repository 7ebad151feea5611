using System.Collections.Concurrent;
using ChatSend.Providers;
using ChatSend.Send;
using ChatSend.Sessions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ChatSend.Tests.Unit;

/// <summary>
/// How long <see cref="NumberCheck"/> keeps each kind of answer (on the <see cref="TimeProvider"/>): a yes for
/// <see cref="NumberCheckOptions.OnWhatsAppFor"/>, a no for <see cref="NumberCheckOptions.NotOnWhatsAppFor"/>, an unknown
/// for <see cref="NumberCheckOptions.UnknownFor"/>; then the provider is asked again.
/// </summary>
public sealed class NumberCheckFreshnessTests : IDisposable
{
    private const string Yes = "+12025550123";
    private const string No = "+12025550124";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly CountingProvider _provider = new();
    private readonly NumberCheck _check;
    private readonly Session _session = new("s1", "+15550100001", CountingProvider.ProviderName, new Dictionary<string, string>(), Enabled: true);

    public NumberCheckFreshnessTests() =>
        _check = new NumberCheck(new ChannelProviders([_provider]), Options.Create(new NumberCheckOptions()), _time, NullLogger<NumberCheck>.Instance);

    public void Dispose() => _check.Dispose();

    [Fact]
    public async Task AYesIsKeptForADayAndANoForAnHour()
    {
        Assert.True(await _check.IsOnWhatsAppAsync(_session, Yes, CancellationToken.None));
        Assert.False(await _check.IsOnWhatsAppAsync(_session, No, CancellationToken.None));

        _time.Advance(TimeSpan.FromMinutes(59));
        await _check.IsOnWhatsAppAsync(_session, Yes, CancellationToken.None);
        await _check.IsOnWhatsAppAsync(_session, No, CancellationToken.None);
        Assert.Equal((1, 1), (_provider.Asked(Yes), _provider.Asked(No)));

        _time.Advance(TimeSpan.FromMinutes(2)); // 61 minutes: the no is stale, the yes is not
        await _check.IsOnWhatsAppAsync(_session, Yes, CancellationToken.None);
        await _check.IsOnWhatsAppAsync(_session, No, CancellationToken.None);
        Assert.Equal((1, 2), (_provider.Asked(Yes), _provider.Asked(No)));

        _time.Advance(TimeSpan.FromHours(23)); // past a day
        await _check.IsOnWhatsAppAsync(_session, Yes, CancellationToken.None);
        Assert.Equal(2, _provider.Asked(Yes));
    }

    [Fact]
    public async Task AnUnknownIsKeptForAMinuteThenAskedAgain()
    {
        _provider.Failing = true;
        Assert.Null(await _check.IsOnWhatsAppAsync(_session, Yes, CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Null(await _check.IsOnWhatsAppAsync(_session, Yes, CancellationToken.None));
        Assert.Equal(1, _provider.Asked(Yes));

        _provider.Failing = false;
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await _check.IsOnWhatsAppAsync(_session, Yes, CancellationToken.None));
        Assert.Equal(2, _provider.Asked(Yes));
    }

    [Fact]
    public async Task TheSameNumberWrittenAnotherWayIsTheSameAnswer()
    {
        Assert.True(await _check.IsOnWhatsAppAsync(_session, Yes, CancellationToken.None));
        Assert.True(await _check.IsOnWhatsAppAsync(_session, "1 (202) 555-0123", CancellationToken.None));
        Assert.True(await _check.IsOnWhatsAppAsync(_session, "12025550123@c.us", CancellationToken.None));
        Assert.Equal(1, _provider.Asked(Yes));
    }

    /// <summary>A provider whose check says yes to numbers ending in an odd digit, counting each question.</summary>
    private sealed class CountingProvider : IChannelProvider
    {
        public const string ProviderName = "counting";
        private readonly ConcurrentDictionary<string, int> _asked = new();

        public bool Failing { get; set; }

        public string Name => ProviderName;

        public ProviderCapabilities Capabilities { get; } = new(new HashSet<MessageType>(), Groups: false, Preview: false) { NumberCheck = true };

        public int Asked(string phone) => _asked.GetValueOrDefault(phone);

        public Task<bool> IsOnWhatsAppAsync(Session session, string phone, CancellationToken cancellationToken)
        {
            _asked.AddOrUpdate(phone, 1, (_, n) => n + 1);
            return Failing
                ? throw new ProviderException("the gateway is down", transient: true)
                : Task.FromResult((phone[^1] - '0') % 2 == 1);
        }

        public Task<ProviderReceipt> SendAsync(OutboundMessage message, Session session, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
