using ChatSend.Delivery;
using ChatSend.Providers;
using ChatSend.Providers.Settings;
using ChatSend.Providers.Waha;
using ChatSend.Providers.WhatsAppCloud;
using ChatSend.Sessions;

namespace ChatSend.Tests.Unit;

/// <summary>
/// Typed provider settings read what sessions stored before they were checked exactly as it was read then, and the checks
/// at the session command answer with an error, never an exception.
/// </summary>
public sealed class ProviderSettingsTests
{
    private static Session With(string provider, params (string Key, string Value)[] settings) =>
        new("s1", "+15550100001", provider, settings.ToDictionary(s => s.Key, s => s.Value), Enabled: true);

    [Theory]
    [InlineData("172800", 172800d)] // one message per recipient every two days
    [InlineData("3e9", 3e9)]
    [InlineData("0.5", 0.5)]
    public void AStoredGapIsKeptWhateverItsSize(string stored, double seconds)
    {
        var (_, gap) = SessionPacer.Limits(With(WhatsAppCloudProvider.ProviderName, ("phoneNumberId", "1"), ("minRecipientGapSeconds", stored)),
            WhatsAppCloudProvider.DefaultPacing);
        Assert.Equal(TimeSpan.FromSeconds(seconds), gap);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public void AStoredGapOfZeroOrLessTurnsTheGapOff(string stored)
    {
        var (_, gap) = SessionPacer.Limits(With(WahaProvider.ProviderName, ("baseUrl", "http://waha"), ("minRecipientGapSeconds", stored)),
            WahaProvider.DefaultPacing);
        Assert.Null(gap);
    }

    [Theory]
    [InlineData("ten")]
    [InlineData("")]
    public void AGapThatIsNoNumberLeavesTheProvidersDefault(string stored)
    {
        var (_, gap) = SessionPacer.Limits(With(WahaProvider.ProviderName, ("minRecipientGapSeconds", stored)), WahaProvider.DefaultPacing);
        Assert.Equal(TimeSpan.FromSeconds(10), gap);
    }

    [Theory]
    [InlineData("1e10")]
    [InlineData("-0.4")]
    [InlineData("3600.4")]
    public void ASandboxDelayOutsideZeroTo3600IsRefusedAndReadAsAbsent(string value)
    {
        Assert.Contains(ProviderSettingsSchema.Of<SandboxSettings>().Validate(new Dictionary<string, string> { ["deliveredAfterSeconds"] = value }, null),
            e => e.Key == "deliveredAfterSeconds");
        Assert.Null(ProviderSettingsSchema.Read<SandboxSettings>(With(SandboxProvider.ProviderName, ("deliveredAfterSeconds", value))).DeliveredAfterSeconds);
    }

    [Theory]
    [InlineData("maxPerMinute", "3000000000")]
    [InlineData("maxPerMinute", "1e3")]
    [InlineData("minRecipientGapSeconds", "1e400")]
    public void ANumberOutOfItsTypesRangeIsAnErrorNamingIt(string key, string value)
    {
        var error = Assert.Single(ProviderSettingsSchema.Common.Validate(new Dictionary<string, string> { [key] = value }, null));
        Assert.Equal(key, error.Key);
    }
}
