using System.Net;
using ChatSend.Media;
using ChatSend.Send;

namespace ChatSend.Tests.Unit;

public class AddressGuardTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.7")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")] // cloud metadata
    [InlineData("169.254.0.1")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("fe80::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")] // IPv4-mapped
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("64:ff9b::a00:1")] // NAT64 of 10.0.0.1
    [InlineData("2002:a00:1::1")] // 6to4 of 10.0.0.1
    [InlineData("::127.0.0.1")] // IPv4-compatible
    public void PrivateAndReservedAddressesAreRefused(string address) =>
        Assert.False(new AddressGuard().IsAllowed(IPAddress.Parse(address)));

    [Theory]
    [InlineData("2130706433")] // decimal 127.0.0.1
    [InlineData("0x7f.0.0.1")] // hex
    [InlineData("0177.0.0.1")] // octal
    [InlineData("0x7f000001")]
    [InlineData("127.1")]
    [InlineData("[::ffff:7f00:1]")]
    [InlineData("2852039166")] // decimal 169.254.169.254
    public void OddSpellingsOfPrivateAddressesAreRefused(string host)
    {
        Assert.True(Uri.TryCreate($"http://{host}/x", UriKind.Absolute, out var url));
        Assert.True(IPAddress.TryParse(url.IdnHost, out var address), url.IdnHost);
        Assert.False(new AddressGuard().IsAllowed(address));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("20.60.0.1")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void PublicAddressesAreAllowed(string address) =>
        Assert.True(new AddressGuard().IsAllowed(IPAddress.Parse(address)));

    /// <summary>Every IPv6 form that carries an IPv4 address is judged by the IPv4 address it carries.</summary>
    [Theory]
    // NAT64, well-known prefix (RFC 6052): 64:ff9b::a.b.c.d
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("64:ff9b::7f00:1")]
    // NAT64, local-use prefix (RFC 8215), at /96 and at /48 (the IPv4 around the "u" octet): refused whatever it carries
    [InlineData("64:ff9b:1::a9fe:a9fe")]
    [InlineData("64:ff9b:1::7f00:1")]
    [InlineData("64:ff9b:1::a00:1")]
    [InlineData("64:ff9b:1:a9fe:a9:fe00::")]
    [InlineData("64:ff9b:1:7f00:0:100::")]
    [InlineData("64:ff9b:1::808:808")]
    [InlineData("64:ff9b:1:808:8:800::")]
    // SIIT IPv4-translated (RFC 2765): ::ffff:0:a.b.c.d
    [InlineData("::ffff:0:a9fe:a9fe")]
    [InlineData("::ffff:0:7f00:1")]
    [InlineData("::ffff:0:a00:1")]
    // IPv4-compatible (deprecated): ::a.b.c.d
    [InlineData("::a9fe:a9fe")]
    [InlineData("::a00:1")]
    // 6to4 (RFC 3056): 2002:aabb:ccdd::/48
    [InlineData("2002:a9fe:a9fe::1")]
    [InlineData("2002:7f00:1::1")]
    // Teredo (RFC 4380): 2001:0:<server IPv4>:<flags>:<port>:<client IPv4, inverted>; both must be public
    [InlineData("2001:0:4136:e378:8000:63bf:5601:5601")] // client 169.254.169.254
    [InlineData("2001:0:4136:e378:8000:63bf:80ff:fffe")] // client 127.0.0.1
    [InlineData("2001:0:4136:e378:8000:63bf:f5ff:fffe")] // client 10.0.0.1
    [InlineData("2001:0:a9fe:a9fe:8000:63bf:f7f7:f7f7")] // server 169.254.169.254
    [InlineData("2001:0:a00:1:8000:63bf:f7f7:f7f7")] // server 10.0.0.1
    public void IPv6FormsCarryingARefusedIPv4AddressAreRefused(string address) =>
        Assert.False(new AddressGuard().IsAllowed(IPAddress.Parse(address)));

    [Theory]
    [InlineData("64:ff9b::808:808")]
    [InlineData("::ffff:0:808:808")]
    [InlineData("::808:808")]
    [InlineData("2002:808:808::1")]
    [InlineData("2001:0:4136:e378:8000:63bf:f7f7:f7f7")] // server 65.54.227.120, client 8.8.8.8
    public void IPv6FormsCarryingAPublicIPv4AddressAreAllowed(string address) =>
        Assert.True(new AddressGuard().IsAllowed(IPAddress.Parse(address)));

    [Fact]
    public void AnAllowListOpensOnlyItsRanges()
    {
        var guard = new AddressGuard("127.0.0.1/32, fd00::/8");
        Assert.True(guard.IsAllowed(IPAddress.Parse("127.0.0.1")));
        Assert.True(guard.IsAllowed(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.True(guard.IsAllowed(IPAddress.Parse("::ffff:0:7f00:1")));
        Assert.False(guard.IsAllowed(IPAddress.Parse("2001:0:7f00:1:8000:63bf:f5ff:fffe"))); // server 127.0.0.1 allowed, client 10.0.0.1 not
        Assert.True(guard.IsAllowed(IPAddress.Parse("fd00::5")));
        Assert.False(guard.IsAllowed(IPAddress.Parse("127.0.0.2")));
        Assert.False(guard.IsAllowed(IPAddress.Parse("169.254.169.254")));
        Assert.True(new AddressGuard("*").IsAllowed(IPAddress.Parse("10.0.0.1")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("127.0.0.0/8,::1/128")]
    public void AllowListsParse(string value) => Assert.True(AddressGuard.TryParseNetworks(value, out _));

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.0/33")]
    [InlineData("10.0.0.0/8;192.168.0.0/16")]
    public void BadAllowListsAreRejected(string value) => Assert.False(AddressGuard.TryParseNetworks(value, out _));
}

public class MediaFormatsTests
{
    [Theory]
    [InlineData(MessageType.Image, "jpeg", "image/jpeg")]
    [InlineData(MessageType.Image, "png", "image/png")]
    [InlineData(MessageType.Video, "mp4", "video/mp4")]
    [InlineData(MessageType.Ptt, "ogg", "audio/ogg")]
    [InlineData(MessageType.Document, "pdf", "application/pdf")]
    public void SignaturesAreRecognised(MessageType type, string format, string mime)
    {
        var head = Infrastructure.MediaServer.FileBytes(format, 64);
        Assert.Equal(mime, MediaFormats.Detect(type, head)?.MimeType);
        Assert.True(MediaFormats.Find(type, mime)!.Matches(head));
    }

    [Fact]
    public void OtherBytesMatchNoImageFormat() =>
        Assert.Null(MediaFormats.Detect(MessageType.Image, Infrastructure.MediaServer.FileBytes("text", 64)));

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0x14, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'3', (byte)'g', (byte)'p', (byte)'4' }, "video/3gpp")]
    [InlineData(new byte[] { 0, 0, 0, 0x14, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'m', (byte)'p', (byte)'4', (byte)'2' }, "video/mp4")]
    public void ThreeGppAndMp4AreToldApartByBrand(byte[] head, string mime) =>
        Assert.Equal(mime, MediaFormats.Detect(MessageType.Video, head)?.MimeType);

    [Theory]
    [InlineData(new byte[] { (byte)'I', (byte)'D', (byte)'3', 4 }, "audio/mpeg")]
    [InlineData(new byte[] { 0xFF, 0xFB, 0x90, 0x64 }, "audio/mpeg")]
    [InlineData(new byte[] { 0xFF, 0xF1, 0x50, 0x80 }, "audio/aac")]
    [InlineData(new byte[] { 0, 0, 0, 0x20, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'M', (byte)'4', (byte)'A', (byte)' ' }, "audio/mp4")]
    public void VoiceNoteFormatsAreRecognised(byte[] head, string mime) =>
        Assert.Equal(mime, MediaFormats.Detect(MessageType.Ptt, head)?.MimeType);

    [Theory]
    [InlineData("image/JPG", "image/jpeg")]
    [InlineData("audio/ogg; codecs=opus", "audio/ogg")]
    [InlineData("audio/x-m4a", "audio/mp4")]
    public void MimeTypesAreNormalised(string given, string expected) => Assert.Equal(expected, MediaFormats.Normalise(given));
}

public class FileNamesTests
{
    [Theory]
    [InlineData("report.pdf", "report.pdf")]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\x\\photo.jpg", "photo.jpg")]
    [InlineData("a\r\nSet-Cookie: x.pdf", "aSet-Cookie x.pdf")]
    [InlineData("\"quoted\".pdf", "quoted.pdf")]
    [InlineData("..", null)]
    [InlineData("  ", null)]
    [InlineData("r\u202Egnp.exe", "rgnp.exe")] // right-to-left override dropped
    public void NamesAreSanitised(string given, string? expected) => Assert.Equal(expected, FileNames.Sanitise(given));

    [Fact]
    public void LongNamesKeepTheirExtension()
    {
        var name = FileNames.Sanitise(new string('a', 300) + ".pdf")!;
        Assert.Equal(255, name.Length);
        Assert.EndsWith(".pdf", name);
    }

    [Theory]
    [InlineData("😀", ".pdf")]
    [InlineData("😀", "")]
    [InlineData("a😀", ".pdf")]
    [InlineData("a😀", "")]
    public void LongNamesAreCutBetweenWholeCharacters(string repeated, string extension)
    {
        var name = FileNames.Sanitise(string.Concat(Enumerable.Repeat(repeated, 200)) + extension)!;
        Assert.InRange(name.Length, 250, 255);
        Assert.EndsWith(extension, name);
        Assert.DoesNotContain(name.EnumerateRunes(), r => r == System.Text.Rune.ReplacementChar);
        Assert.Equal(name, System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(name)));
    }

    [Theory]
    [InlineData("e\u0301", 4, "e\u0301e\u0301")]
    [InlineData("e\u0301", 5, "e\u0301e\u0301")]
    [InlineData("👍🏽", 6, "👍🏽")]
    [InlineData("👍🏽", 7, "👍🏽")]
    public void CutsKeepGraphemesWhole(string repeated, int length, string expected) =>
        Assert.Equal(expected, FileNames.Cut(string.Concat(Enumerable.Repeat(repeated, 10)), length));

    [Fact]
    public void AGraphemeLongerThanTheLimitIsCutBetweenCharacters()
    {
        var zalgo = "😀" + string.Concat(Enumerable.Repeat("\u0301", 300));
        Assert.Equal("😀" + new string('\u0301', 253), FileNames.Cut(zalgo, 255));
        Assert.Equal("", FileNames.Cut(zalgo, 1));
    }

    [Fact]
    public void TheNameFallsBackFromClientToServerToUrlToMessageId()
    {
        var url = new Uri("https://e.example/files/Q3%20report.pdf");
        var disposition = System.Net.Http.Headers.ContentDispositionHeaderValue.Parse("attachment; filename=\"server.pdf\"");
        Assert.Equal("mine.pdf", FileNames.Choose("mine.pdf", disposition, url, "msg_x", "application/pdf"));
        Assert.Equal("server.pdf", FileNames.Choose(null, disposition, url, "msg_x", "application/pdf"));
        Assert.Equal("Q3 report.pdf", FileNames.Choose(null, null, url, "msg_x", "application/pdf"));
        Assert.Equal("msg_x.jpg", FileNames.Choose(null, null, new Uri("https://e.example/"), "msg_x", "image/jpeg"));
    }

    [Fact]
    public void DispositionCarriesTheNameSafely()
    {
        var header = FileNames.Disposition("résumé \"final\".pdf");
        Assert.DoesNotContain("\r", header);
        Assert.Contains("filename*=utf-8''r%C3%A9sum%C3%A9", header, StringComparison.OrdinalIgnoreCase);
    }
}
