namespace ChatSend.Sessions;

/// <summary>
/// A name other than its id by which a provider's callbacks find a session (the Cloud API names the phone number id).
/// <see cref="SessionStore"/> keeps an index row for each session's name in the sessions table: partition
/// <c>{Kind}:{name}</c> (never a session id: ids have no <c>:</c>), row the session id; one row per session, so sessions
/// stored before a name was one session's each keep theirs. An index row only points: whoever follows it checks that
/// the session still has the name.
/// </summary>
public sealed record SessionAlias(string Kind, Func<Session, string?> Of)
{
    /// <summary>The index partition of <paramref name="name"/>.</summary>
    public string Partition(string name) => $"{Kind}:{name}";
}
