namespace ChatSend.Inbound;

/// <summary>
/// Who a chat or sender is, as ChatSend shows it: a phone number in E.164 (<c>+14155550123</c>) where the provider gives
/// one, a group JID (<c>…@g.us</c>) as it is, and an opaque id (a WhatsApp LID <c>…@lid</c>, the Cloud API's business-scoped
/// user id) as given.
/// </summary>
public static class ChatAddress
{
    public const string GroupSuffix = "@g.us";

    /// <summary>
    /// A WhatsApp JID: <c>14155550123@c.us</c> or <c>@s.whatsapp.net</c> (a phone number; a device suffix <c>:12</c> is
    /// dropped) becomes <c>+14155550123</c>; a group or LID stays as given.
    /// </summary>
    public static string FromJid(string jid)
    {
        var at = jid.IndexOf('@');
        if (at <= 0)
            return FromDigits(jid) ?? jid;
        var user = jid[..at];
        var domain = jid[at..];
        if (domain is "@c.us" or "@s.whatsapp.net" && FromDigits(user.Split(':')[0]) is { } phone)
            return phone;
        return jid;
    }

    /// <summary>A number as the Cloud API gives it (<c>wa_id</c>: digits, no <c>+</c>) in E.164, or null when it is not digits.</summary>
    public static string? FromDigits(string digits) =>
        digits.Length is >= 6 and <= 15 && digits.All(char.IsAsciiDigit) ? "+" + digits : null;

    public static bool IsGroup(string chat) => chat.EndsWith(GroupSuffix, StringComparison.Ordinal);
}
