import Histogram

/// The harness's own costs, recorded cheaply enough to leave on at thousands of sessions: a few
/// histograms per executor (nanoseconds, 3 significant digits), merged at the end; no per-frame arrays.
public struct HarnessStats: Sendable {
    /// Real time: how late the pacer emitted source frames.
    public var pacerLateness = HarnessStats.histogram()
    /// Real time: from a stage's emit to the next stage's handler starting.
    public var hop = HarnessStats.histogram()
    /// Real time: from the pacer's emission of a source frame to its first stage's handler
    /// starting — the wait for a busy executor. Added to the pacer's lateness, it is how late the
    /// harness took up the user's audio.
    public var sourceHop = HarnessStats.histogram()
    /// From the source's emission of a frame to its (or its descendant's) arrival at playout.
    public var sourceToSink = HarnessStats.histogram()
    public var framesSent = 0
    public var framesDropped = 0
    /// Real time: the nice value the pacer's thread ran at (`Pacer.niceness` where the system
    /// allowed it), so a reader can tell a clock that was favoured from one that was not.
    public var pacerNice: Int?
    /// Virtual time: events the scheduler processed.
    public var events = 0
    /// Virtual time: the latest event time reached.
    public var simulated: Duration = .zero
    /// Wall time the run took.
    public var wall: Duration = .zero

    public init() {}

    /// Real time: the latest the pacer emitted any source frame. The pacer runs on a queue of its own
    /// and only counts time, so lateness there is the machine (a neighbour's burst, a stalled core),
    /// not the pipeline: a run whose pacer was late by more than a few milliseconds was disturbed,
    /// and figures from it say more about the machine than about the design.
    public var worstPacerLateness: Duration { .nanoseconds(Int64(clamping: pacerLateness.max)) }

    /// How late the harness may take up the user's audio (pacer and executor together, at p99)
    /// before a run says its figures carry the machine's stall.
    public static let stallLimit: Duration = .milliseconds(10)

    static func histogram() -> Histogram<UInt64> {
        Histogram(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
    }

    public mutating func merge(_ other: HarnessStats) {
        pacerLateness.add(other.pacerLateness)
        hop.add(other.hop)
        sourceHop.add(other.sourceHop)
        sourceToSink.add(other.sourceToSink)
        framesSent += other.framesSent
        framesDropped += other.framesDropped
        pacerNice = pacerNice ?? other.pacerNice
        events += other.events
        simulated = max(simulated, other.simulated)
        wall = max(wall, other.wall)
    }
}

extension Histogram {
    /// Records a duration in nanoseconds, clamped to the trackable range.
    @inlinable mutating func record(_ d: Duration) {
        _ = record(UInt64(clamping: Swift.max(0, Swift.min(Int64(highestTrackableValue), d.nanoseconds))))
    }
}
