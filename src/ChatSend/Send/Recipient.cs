using System.Text.RegularExpressions;
using PhoneNumbers;

namespace ChatSend.Send;

/// <summary>A recipient as ChatSend stores it: an E.164 phone number or a group JID.</summary>
public sealed partial record Recipient(string Value, bool IsGroup)
{
    public const string Rule =
        "must be a valid phone number in international form (+ optional), a user JID (…@s.whatsapp.net) or a group JID (…@g.us)";

    private const string GroupDomain = "@g.us";

    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    public static Recipient? Parse(string? input)
    {
        var value = input?.Trim() ?? "";
        var at = value.IndexOf('@');
        if (at >= 0)
        {
            var (local, domain) = (value[..at], value[(at + 1)..].ToLowerInvariant());
            return domain switch
            {
                "g.us" when GroupLocalPart().IsMatch(local) => new Recipient(local + GroupDomain, IsGroup: true),
                // A user JID may carry a device suffix ("123:4@s.whatsapp.net"); the number is what matters.
                "s.whatsapp.net" or "c.us" when UserLocalPart().Match(local) is { Success: true } m => Phone("+" + m.Groups[1].Value),
                _ => null,
            };
        }
        return Phone(value);
    }

    private static Recipient? Phone(string value)
    {
        var compact = Formatting().Replace(value, "");
        if (!PhoneDigits().IsMatch(compact))
            return null;
        if (!compact.StartsWith('+'))
            compact = "+" + compact;
        try
        {
            var number = Phones.Parse(compact, null);
            return Phones.IsValidNumber(number)
                ? new Recipient(Phones.Format(number, PhoneNumberFormat.E164), IsGroup: false)
                : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    /// <summary>
    /// For logs: keeps a phone number's country code and last two digits, and the first four and last two characters
    /// of a group's id (which may start with its creator's phone number), and masks the rest.
    /// </summary>
    public static string Mask(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        if (value.EndsWith(GroupDomain, StringComparison.Ordinal))
        {
            var id = value[..^GroupDomain.Length];
            return (id.Length < 12 ? "***" : Keep(id, 4, 2)) + GroupDomain;
        }
        var digits = value.TrimStart('+');
        return digits.Length <= 4 ? "+***" : "+" + Keep(digits, 2, 2);
    }

    private static string Keep(string value, int start, int end) =>
        value[..start] + new string('*', value.Length - start - end) + value[^end..];

    [GeneratedRegex(@"[\s().\-]")]
    private static partial Regex Formatting();

    [GeneratedRegex(@"^\+?[0-9]{4,17}$")]
    private static partial Regex PhoneDigits();

    [GeneratedRegex(@"^[0-9]{5,20}(-[0-9]{1,20})?$")]
    private static partial Regex GroupLocalPart();

    [GeneratedRegex(@"^([0-9]{4,17})(:[0-9]{1,3})?$")]
    private static partial Regex UserLocalPart();
}
