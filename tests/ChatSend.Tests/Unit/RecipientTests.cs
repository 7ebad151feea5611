using ChatSend.Send;

namespace ChatSend.Tests.Unit;

public class RecipientTests
{
    [Theory]
    [InlineData("+12025550123", "+12025550123")]
    [InlineData("12025550123", "+12025550123")]
    [InlineData(" +1 (202) 555-0123 ", "+12025550123")]
    [InlineData("+44 20 7946 0958", "+442079460958")]
    [InlineData("4915123456789", "+4915123456789")]
    [InlineData("12025550123@s.whatsapp.net", "+12025550123")]
    [InlineData("12025550123:12@s.whatsapp.net", "+12025550123")]
    [InlineData("12025550123@c.us", "+12025550123")]
    public void PhoneNumbersAndUserJidsNormaliseToE164(string input, string expected)
    {
        var recipient = Recipient.Parse(input);
        Assert.Equal(expected, recipient?.Value);
        Assert.False(recipient!.IsGroup);
    }

    [Theory]
    [InlineData("120363025246125486@g.us")]
    [InlineData("12025550123-1618300000@g.us")]
    public void GroupJidsAreKeptAsGiven(string jid)
    {
        var recipient = Recipient.Parse(jid);
        Assert.Equal(jid, recipient?.Value);
        Assert.True(recipient!.IsGroup);
    }

    [Theory]
    [InlineData("")]
    [InlineData("+1")]
    [InlineData("+1202555012")] // one digit short for the US
    [InlineData("+999123456789")] // no such country code
    [InlineData("abc")]
    [InlineData("++12025550123")]
    [InlineData("12025550123@example.com")]
    [InlineData("group@g.us")]
    [InlineData("abc@s.whatsapp.net")]
    public void InvalidRecipientsAreRefused(string input) => Assert.Null(Recipient.Parse(input));

    [Theory]
    [InlineData("+12025550123", "+12*******23")]
    [InlineData("+1234", "+***")]
    [InlineData("120363025246125486@g.us", "1203************86@g.us")]
    [InlineData("12025550123-1618300000@g.us", "1202****************00@g.us")]
    [InlineData("12345678901@g.us", "***@g.us")]
    public void MaskHidesTheMiddleOfPhoneNumbersAndGroupIds(string value, string masked) => Assert.Equal(masked, Recipient.Mask(value));
}
