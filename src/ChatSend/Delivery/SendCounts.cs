using System.Buffers.Binary;
using Azure.Data.Tables;

namespace ChatSend.Delivery;

/// <summary>
/// A session's recent sends as its pacing row keeps them: a count per slot (a sixtieth of the window, so a second in the
/// default minute), newest first, instead of every send's time, so the row is the same size at any rate: at most
/// <see cref="MaxSlots"/> counts of 4 bytes. A send counts until its slot's end plus the window and margin: up to one
/// slot longer than its own time would hold it, never shorter, so no sliding window takes more than the limit. A row of
/// the earlier shape (<c>Times</c>, every send's time) is read into counts the same way, so sends made before an upgrade
/// keep counting after it.
/// </summary>
internal sealed class SendCounts
{
    private const string Slot = "Slot";
    private const string SlotTicks = "SlotTicks";
    private const string Counts = "Counts";

    private readonly SortedDictionary<long, int> _bySlot = []; // slot number (time / slot length) → sends
    private readonly long _slotTicks;
    private readonly TimeSpan _held;

    private SendCounts(long slotTicks, TimeSpan held) => (_slotTicks, _held) = (slotTicks, held);

    /// <summary>A slot's length for a window: a sixtieth of it.</summary>
    public static long SlotOf(TimeSpan window) => Math.Max(1, window.Ticks / 60);

    /// <summary>The most slots a row holds: every slot a send may still count in, and the one being filled.</summary>
    public int MaxSlots => (int)((_held.Ticks + _slotTicks - 1) / _slotTicks) + 2;

    /// <summary>The sends of <paramref name="row"/> (either shape) that still count at <paramref name="now"/>, each for <paramref name="held"/> after its slot.</summary>
    public static SendCounts Read(TableEntity? row, long slotTicks, TimeSpan held, DateTimeOffset now)
    {
        var counts = new SendCounts(slotTicks, held);
        // Counts of another slot length (the window was changed) are moved to the slot of their latest possible time.
        if (row?.GetInt64(Slot) is { } newest && row.GetInt64(SlotTicks) is { } stored and > 0 && row.GetBinary(Counts) is { } bytes)
            for (var i = 0; i + 4 <= bytes.Length; i += 4)
                counts.AddAt(SafeEnd(newest - i / 4, stored), BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i)), now);
        foreach (var time in SessionPacer.Times(row))
            counts.AddAt(time.UtcTicks, 1, now);
        return counts;
    }

    // The last tick of a stored slot; a value no clock gives (a damaged row) lands at the far end and is dropped.
    private static long SafeEnd(long slot, long slotTicks) =>
        slot >= 0 && slot < DateTimeOffset.MaxValue.UtcTicks / slotTicks ? (slot + 1) * slotTicks - 1 : -1;

    private void AddAt(long ticks, int sends, DateTimeOffset now)
    {
        if (sends <= 0 || ticks < 0 || ticks / _slotTicks >= DateTimeOffset.MaxValue.UtcTicks / _slotTicks - 1)
            return;
        var slot = ticks / _slotTicks;
        if (ReleasedAt(slot) > now)
            _bySlot[slot] = _bySlot.GetValueOrDefault(slot) + sends;
    }

    /// <summary>When the sends of a slot stop counting.</summary>
    private DateTimeOffset ReleasedAt(long slot) => new DateTimeOffset((slot + 1) * _slotTicks, TimeSpan.Zero) + _held;

    /// <summary><paramref name="now"/> when fewer than <paramref name="max"/> count, else when enough of them stop counting.</summary>
    public DateTimeOffset FreeAt(int max, DateTimeOffset now)
    {
        var (total, free) = (_bySlot.Values.Sum(n => (long)n), now);
        foreach (var (slot, sends) in _bySlot) // oldest first
        {
            if (total < max)
                break;
            total -= sends;
            free = ReleasedAt(slot);
        }
        return free;
    }

    /// <summary>Counts a send at <paramref name="stamp"/>; behind the newest slot (another instance's clock runs ahead), in the newest.</summary>
    public SendCounts Add(DateTimeOffset stamp)
    {
        var slot = stamp.UtcTicks / _slotTicks;
        if (_bySlot.Count > 0 && _bySlot.Keys.Last() > slot)
            slot = _bySlot.Keys.Last();
        _bySlot[slot] = _bySlot.GetValueOrDefault(slot) + 1;
        return this;
    }

    /// <summary>The row: the newest slot, the slot length and the counts, newest first, at most <see cref="MaxSlots"/>.</summary>
    public TableEntity ToEntity(string partition, string row)
    {
        var newest = _bySlot.Count > 0 ? _bySlot.Keys.Last() : 0;
        var slots = _bySlot.Count > 0 ? (int)Math.Min(MaxSlots, newest - _bySlot.Keys.First() + 1) : 0;
        var bytes = new byte[slots * 4];
        foreach (var (slot, sends) in _bySlot)
        {
            // Older than the row holds (only with clocks far apart): counted in its oldest slot, later than they went.
            var at = (int)Math.Min(newest - slot, slots - 1) * 4;
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at)) + sends);
        }
        return new TableEntity(partition, row) { [Slot] = newest, [SlotTicks] = _slotTicks, [Counts] = bytes };
    }
}
