namespace ChatSend.Bench;

/// <summary>
/// What each part measures and how often: every repetition runs the product and its floor one after the other (the
/// order turning with each repetition), each on a fresh Azurite, so no side always goes first.
/// Inbound counts are messages, <see cref="CallbackBatch"/> to a callback. Order drains <see cref="Ordered"/> messages over
/// <see cref="OrderChats"/> chats, and <see cref="OneChat"/> messages to one chat at each of <see cref="OneChatDelaysMs"/>.
/// The idle part runs once per store (<see cref="IdleStores"/>: sessions and old staged files), measured for
/// <see cref="IdleMinutes"/> real minutes after <see cref="IdleWarmupSeconds"/>: it counts calls, not times, so it is not repeated.
/// The capacity part posts <see cref="CapacitySends"/> sends over <see cref="CapacityChats"/> chats at <see cref="CapacityRate"/>
/// a second, with its mix of media and customers' messages, once per side (<see cref="CapacityRun"/>): it counts calls too.
/// </summary>
internal sealed record BenchPlan(string Name, int Repetitions, int[] SendConcurrency, int Sends, int SendWarmup, int Drained, int DrainWarmup,
    int[] ProviderDelaysMs, int ToRead, int[] MediaConcurrency, int MediaFiles, int[] InboundConcurrency, int Received, int ReceivedWarmup,
    int CallbackBatch, int LatencyMessages, int OrderChats, int Ordered, int OrderWarmup, int[] OneChatDelaysMs, int OneChat, int OneChatWarmup,
    (int Sessions, int Files)[] IdleStores, int IdleWarmupSeconds, int IdleMinutes, int CapacitySends, int CapacityChats, int CapacityRate)
{
    /// <summary>What runs when no part is named; <c>idle</c> (real minutes of nothing) runs only when named.</summary>
    public static readonly string[] Default = ["send", "drain", "media", "inbound", "order", "capacity"];

    public static readonly string[] Parts = [.. Default, "idle"];

    public static BenchPlan Full { get; } = new("full", Repetitions: 3, SendConcurrency: [1, 8, 32, 64], Sends: 800, SendWarmup: 300,
        Drained: 2000, DrainWarmup: 200, ProviderDelaysMs: [0, 50], ToRead: 500, MediaConcurrency: [1, 8], MediaFiles: 8,
        InboundConcurrency: [1, 8, 32], Received: 800, ReceivedWarmup: 200, CallbackBatch: 10, LatencyMessages: 300,
        OrderChats: 100, Ordered: 2000, OrderWarmup: 200, OneChatDelaysMs: [0, 50, 200], OneChat: 60, OneChatWarmup: 10,
        IdleStores: [(1, 0), (100, 0), (1000, 0), (1, 10_000), (1000, 10_000)], IdleWarmupSeconds: 200, IdleMinutes: 3,
        CapacitySends: 500, CapacityChats: 100, CapacityRate: 5);

    /// <summary>A smoke test of every part: one repetition of small runs.</summary>
    public static BenchPlan Quick { get; } = new("quick", Repetitions: 1, SendConcurrency: [8], Sends: 200, SendWarmup: 50,
        Drained: 200, DrainWarmup: 50, ProviderDelaysMs: [0, 50], ToRead: 100, MediaConcurrency: [1, 8], MediaFiles: 8,
        InboundConcurrency: [8], Received: 200, ReceivedWarmup: 50, CallbackBatch: 10, LatencyMessages: 60,
        OrderChats: 100, Ordered: 300, OrderWarmup: 100, OneChatDelaysMs: [0, 50, 200], OneChat: 20, OneChatWarmup: 5,
        IdleStores: [(1, 0), (100, 1000)], IdleWarmupSeconds: 200, IdleMinutes: 1,
        CapacitySends: 100, CapacityChats: 10, CapacityRate: 10);

    public IEnumerable<RunSpec> Runs(string part) => part switch
    {
        "send" => SendRuns(),
        "drain" => DrainRuns(),
        "media" => MediaRuns(),
        "inbound" => InboundRuns(),
        "order" => OrderRuns(),
        "idle" => IdleStores.Select(s => new RunSpec("idle", IdleRun.Product, s.Sessions, IdleWarmupSeconds, Files: s.Files, Minutes: IdleMinutes)),
        "capacity" => CapacityRun.Sides.Select(side => new RunSpec("capacity", side, CapacitySends, Warmup: 0, Concurrency: CapacityRun.Senders,
            Chats: CapacityChats, Rate: CapacityRate)),
        _ => throw new ArgumentException($"no part '{part}'; parts: {string.Join(", ", Parts)}"),
    };

    private IEnumerable<RunSpec> SendRuns() =>
        from repetition in Enumerable.Range(0, Repetitions)
        from concurrency in SendConcurrency
        from side in Turn([SendRun.Floor, SendRun.FloorWithMarker, SendRun.FloorWithEntry, SendRun.ListenersOff, SendRun.ListenersOffChats,
            SendRun.ListenersOffUnordered, SendRun.ListenersOn], repetition)
        select new RunSpec("send", side, Sends, SendWarmup, Concurrency: concurrency);

    // Calls to read are counted once, at the end: they do not vary from run to run as times do.
    private IEnumerable<RunSpec> DrainRuns() =>
        (from repetition in Enumerable.Range(0, Repetitions)
         from delay in ProviderDelaysMs
         from side in Turn([DrainRun.Floor, DrainRun.FloorWrites, DrainRun.Product], repetition)
         select new RunSpec("drain", side, Drained, DrainWarmup, ProviderDelayMs: delay))
        .Append(new RunSpec("drain", DrainRun.ToRead, ToRead, Warmup: 0));

    private IEnumerable<RunSpec> MediaRuns() =>
        from repetition in Enumerable.Range(0, Repetitions)
        from concurrency in MediaConcurrency
        from side in Turn([MediaRun.Raw, MediaRun.Floor, MediaRun.Staged], repetition)
        select new RunSpec("media", side, MediaFiles, Warmup: MediaFiles, Concurrency: concurrency);

    // The latency run's callbacks carry one message each, the first sixth not timed. Calls are counted once, with and
    // without a webhook following: they do not vary from run to run as times do.
    private IEnumerable<RunSpec> InboundRuns()
    {
        for (var repetition = 0; repetition < Repetitions; repetition++)
        {
            foreach (var concurrency in InboundConcurrency)
                foreach (var side in Turn([InboundRun.Floor, InboundRun.Alone, InboundRun.FloorWithEvents, InboundRun.WithWebhook], repetition))
                    yield return new RunSpec("inbound", side, Received, ReceivedWarmup, concurrency, Batch: CallbackBatch);
            yield return new RunSpec("inbound", InboundRun.ToWebhook, LatencyMessages, Warmup: LatencyMessages / 6);
        }
        foreach (var side in new[] { InboundRun.CallsAlone, InboundRun.CallsWithWebhook })
            yield return new RunSpec("inbound", side, Received, Warmup: 0, Concurrency: 8, Batch: CallbackBatch);
    }

    // Over many chats, with the order kept (the default) and without it (`"ordered": false` on every send), in turns; then
    // one chat against the provider's latency, the order kept.
    private IEnumerable<RunSpec> OrderRuns() =>
        (from repetition in Enumerable.Range(0, Repetitions)
         from side in Turn([OrderRun.Unordered, OrderRun.Ordered], repetition)
         select new RunSpec("order", side, Ordered, OrderWarmup, Chats: OrderChats))
        .Concat(from repetition in Enumerable.Range(0, Repetitions)
                from delay in OneChatDelaysMs
                select new RunSpec("order", OrderRun.Ordered, OneChat, OneChatWarmup, ProviderDelayMs: delay, Chats: 1));

    private static string[] Turn(string[] sides, int repetition) =>
        [.. sides.Skip(repetition % sides.Length), .. sides.Take(repetition % sides.Length)];
}
