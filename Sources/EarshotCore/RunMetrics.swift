/// Aggregates of a run, per design and metric: latency histograms and outcome counts.
///
/// Mergeable exactly — histograms add, counts add — so shards of a big run summarise the same as
/// the run would have alone.
public struct RunMetrics: Sendable, Equatable {
    public struct Key: Hashable, Sendable, Comparable {
        public var design: String
        /// `voice_to_voice`, `stop_latency`, or a breakdown segment (`endpoint`, `stt_final`, ..., `playout`).
        public var metric: String
        public init(design: String, metric: String) {
            self.design = design
            self.metric = metric
        }
        public static func < (a: Key, b: Key) -> Bool { (a.design, a.metric) < (b.design, b.metric) }
    }

    public private(set) var latencies: [Key: LatencyHistogram] = [:]
    /// Turn outcomes per design.
    public private(set) var outcomes: [String: [TurnOutcome: Int]] = [:]

    public init() {}

    public init(turns: [TurnResult]) {
        for t in turns { record(t) }
    }

    /// Voice-to-voice counts for turns that expect a reply and got an audible one in time
    /// (responded, talked over, interrupted); missed and failed turns have no latency to count,
    /// and show in the outcome counts instead. Breakdown segments count only for answers that
    /// came after the user finished.
    public mutating func record(_ t: TurnResult) {
        outcomes[t.design, default: [:]][t.outcome, default: 0] += 1
        if t.kind != .backchannel, [.responded, .talkedOver, .interrupted].contains(t.outcome), let v2v = t.voiceToVoice {
            latencies[Key(design: t.design, metric: "voice_to_voice"), default: LatencyHistogram()].record(v2v)
            // A talked-over turn's marks straddle user_end, so its segments are no latencies to pool.
            if t.outcome != .talkedOver {
                for segment in t.breakdown {
                    latencies[Key(design: t.design, metric: segment.name), default: LatencyHistogram()].record(segment.duration)
                }
            }
        }
        if let stop = t.stopLatency {
            latencies[Key(design: t.design, metric: "stop_latency"), default: LatencyHistogram()].record(stop)
        }
    }

    public mutating func merge(_ other: RunMetrics) {
        for (k, h) in other.latencies { latencies[k, default: LatencyHistogram()].merge(h) }
        for (d, counts) in other.outcomes {
            for (o, n) in counts { outcomes[d, default: [:]][o, default: 0] += n }
        }
    }
}
