using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ChatSend.Sessions;

namespace ChatSend.Messages;

/// <summary>
/// Where a session's rows lie in the messages table. A session has 1 to <see cref="Max"/> partitions
/// (<see cref="Session.Partitions"/>), fixed when it is created. Partition 0's key is the session id, so sessions stored
/// before keep their rows and ids; partition <c>k</c> &gt; 0 is <c>&lt;session&gt;~&lt;k&gt;</c>. Session ids never hold
/// <c>~</c>, so no key of one session is another session's.
/// <para>
/// A chat lies whole in one partition, picked by a hash of the chat (<see cref="Of(string, int)"/>: SHA-256, never
/// <see cref="string.GetHashCode()"/>, which changes from process to process): its messages, markers, outbox entries,
/// chat entries, record, line entries and chat-order rows are written together in its transactions. Rows of a session
/// that belong to no chat (aliases, webhook cursors) stay in partition 0.
/// </para>
/// </summary>
public static class MessagePartitions
{
    public const int Max = 16;
    public const char Separator = '~';
    public const string Rule = "a whole number from 1 to 16";

    /// <summary>The partition key of <paramref name="session"/>'s partition <paramref name="partition"/>.</summary>
    public static string KeyOf(string session, int partition) =>
        partition == 0 ? session : string.Create(CultureInfo.InvariantCulture, $"{session}{Separator}{partition}");

    /// <summary>The partition, of <paramref name="partitions"/>, that holds <paramref name="chat"/>'s rows.</summary>
    public static int Of(string chat, int partitions) =>
        partitions <= 1 ? 0 : (int)(BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(chat))) % (uint)partitions);

    /// <summary>The key of the partition that holds <paramref name="chat"/>'s rows in <paramref name="session"/>.</summary>
    public static string For(Session session, string chat) => KeyOf(session.Id, Of(chat, session.Partitions));

    /// <summary>Every partition key of a session, partition 0 first.</summary>
    public static IReadOnlyList<string> All(string session, int partitions) =>
        Enumerable.Range(0, Math.Clamp(partitions, 1, Max)).Select(k => KeyOf(session, k)).ToList();

    public static IReadOnlyList<string> All(Session session) => All(session.Id, session.Partitions);

    public static bool IsValidCount(int partitions) => partitions is >= 1 and <= Max;

    /// <summary>The session of a partition key (itself, for partition 0).</summary>
    public static string SessionOf(string partitionKey) =>
        partitionKey.IndexOf(Separator) is var at and >= 0 ? partitionKey[..at] : partitionKey;

    /// <summary>
    /// Whether <paramref name="key"/> is a partition key: a session id, or a session id, <c>~</c> and a partition from 1 to
    /// <see cref="Max"/> - 1 written without a leading zero (so each partition has one key).
    /// </summary>
    public static bool IsKey(string? key)
    {
        if (key is null)
            return false;
        var at = key.IndexOf(Separator);
        if (at < 0)
            return SessionId.IsValid(key);
        var number = key.AsSpan(at + 1);
        return SessionId.IsValid(key[..at]) && number.Length is 1 or 2 && number[0] != '0'
               && int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var partition) && partition < Max;
    }
}
