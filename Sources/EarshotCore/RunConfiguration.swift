/// What a run needs besides the pipeline and the scenarios.
public struct RunConfiguration: Sendable {
    /// Source frame length: the user's audio is cut and paced in frames of this duration.
    public var frameDuration: Duration = .milliseconds(20)
    /// Sessions per scenario. Session indices are global across the run: session i plays scenario i % count.
    public var sessionsPerScenario = 1
    /// First global session index (shards of a big run start further on; see `--shard`).
    public var firstSession = 0
    /// How many sessions to run from `firstSession`; nil for every scenario × `sessionsPerScenario`.
    public var sessionCount: Int?
    public var seed: UInt64 = 1
    /// Playout's silence threshold: agent audio at or above it counts as heard.
    public var silenceThresholdDBFS = Level.defaultSilenceThresholdDBFS
    /// A turn with no audible reply within this time after `user_end` is `missed`.
    public var responseTimeout: Duration = .seconds(5)
    /// The agent stopped for a user who spoke over it (a barge-in or a backchannel) when the reply
    /// it was playing at the user's onset went quiet before the user's speech ended plus this: a
    /// listener hears an agent that runs on longer as having talked through them.
    public var stopWindow: Duration = .milliseconds(500)
    /// How long work may go on after a session's source has ended before it is cut off.
    public var drainTimeout: Duration = .seconds(10)
    /// Real time: a source frame the pacer reaches later than this is dropped and counted, not sent.
    public var staleFrameLimit: Duration = .milliseconds(60)
    /// Real time: how far ahead of the first frame sessions are scheduled, to let set-up finish.
    public var startLead: Duration = .milliseconds(50)
    /// Real time: how far apart sessions start, in session order (a ramp of callers: `--ramp`).
    /// Zero starts them all in the first frame. Virtual time has no load to ramp and ignores it.
    public var arrivalInterval: Duration = .zero
    /// Real time: when session `index` starts, after the run's first.
    public func arrival(ofSession index: Int) -> Duration {
        .nanoseconds(Int64(index - firstSession) * arrivalInterval.nanoseconds)
    }
    /// Real time: record hop and source→sink histograms (a clock read and a bucket increment per hop).
    public var recordsHarnessStats = true

    public init() {}

    /// Sessions this run plays, as global indices: session i plays scenario i % scenarioCount.
    public func sessions(scenarioCount: Int) -> Range<Int> {
        firstSession..<(firstSession + (sessionCount ?? scenarioCount * sessionsPerScenario))
    }

    /// Shard `index` of `count` (0-based) of the whole run: a contiguous block of its sessions, so
    /// the shards together play every session exactly once.
    public func shard(_ index: Int, of count: Int, scenarioCount: Int) -> RunConfiguration {
        precondition(count > 0 && (0..<count).contains(index), "shard \(index) of \(count)")
        let total = scenarioCount * sessionsPerScenario
        var c = self
        c.firstSession = total * index / count
        c.sessionCount = total * (index + 1) / count - c.firstSession
        return c
    }
}

/// Everything a run measured.
public struct RunResult: Sendable {
    public var design: String
    public var turns: [TurnResult]
    public var stages: [StageTurnResult]
    public var harness: HarnessStats
    /// Stopped early by a `RunStop`: the turns are those that had finished, not the whole run.
    public var interrupted: Bool
    /// Every connection set-up the stages recorded outside their turns (`StageContext.recordConnection`).
    public var connections: LatencyHistogram
    /// Connections the stages tried and never set up (`StageContext.recordFailedConnection`).
    public var failedConnections: Int

    public init(design: String, turns: [TurnResult], stages: [StageTurnResult], harness: HarnessStats, interrupted: Bool = false,
                connections: LatencyHistogram = LatencyHistogram(), failedConnections: Int = 0) {
        self.design = design
        self.turns = turns
        self.stages = stages
        self.harness = harness
        self.interrupted = interrupted
        self.connections = connections
        self.failedConnections = failedConnections
    }
}

/// Finished sessions' rows, handed over in session order as they finish (`VirtualRuntime`'s
/// `sessions`), so a caller can put them on disk and hold none of them.
public struct SessionResults: Sendable {
    public var turns: [TurnResult]
    public var stages: [StageTurnResult]

    public init(turns: [TurnResult], stages: [StageTurnResult]) {
        self.turns = turns
        self.stages = stages
    }
}
