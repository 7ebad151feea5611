using System.Buffers.Binary;
using Azure.Data.Tables;
using ChatSend.Delivery;

namespace ChatSend.Tests.Unit;

/// <summary>The pacing row's counts stay the same few hundred bytes at any rate, where every send's time grew with it.</summary>
public sealed class SendCountsTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Held = Window + TimeSpan.FromSeconds(1.2);

    public static int Sum(byte[] counts) =>
        Enumerable.Range(0, counts.Length / 4).Sum(i => BinaryPrimitives.ReadInt32LittleEndian(counts.AsSpan(i * 4)));

    [Theory]
    [InlineData(80)] // the Cloud API's default throughput: 38,400 bytes as times
    [InlineData(1000)] // its highest: 480,000 bytes as times, past the 64 KiB a property holds
    public void AtAnyRateTheRowHoldsAtMostSixtyFourCountsOfFourBytes(int perSecond)
    {
        var start = new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero).AddMilliseconds(317);
        var slot = SendCounts.SlotOf(Window);
        TableEntity? row = null;
        var largest = 0;
        var sends = (int)(perSecond * 70.5);
        for (var i = 0; i < sends; i++)
        {
            var now = start + TimeSpan.FromSeconds((double)i / perSecond);
            row = SendCounts.Read(row, slot, Held, now).Add(now).ToEntity("session", "recent");
            largest = Math.Max(largest, row.GetBinary("Counts")!.Length);
        }

        Assert.InRange(largest, 62 * 4, 64 * 4);
        // What still counts after the last send: every send of the seconds that end within the window and margin.
        var last = start + TimeSpan.FromSeconds((double)(sends - 1) / perSecond);
        var firstCounted = new DateTimeOffset((last - Held).UtcTicks / slot * slot, TimeSpan.Zero);
        var expected = Enumerable.Range(0, sends).Count(i => start + TimeSpan.FromSeconds((double)i / perSecond) >= firstCounted);
        Assert.Equal(expected, Sum(row!.GetBinary("Counts")!));
    }
}
