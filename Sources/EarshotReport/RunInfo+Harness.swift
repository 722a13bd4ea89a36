import EarshotCore

extension RunInfo {
    /// `HarnessStats` reduced to numbers: the harness's own cost, so a reader can tell the
    /// pipeline's latency from the harness's.
    public struct Harness: Sendable, Equatable, Codable {
        public var events: Int
        public var simulatedMs: Double
        public var wallMs: Double
        public var framesSent: Int
        public var framesDropped: Int
        /// Real time only (nil in virtual time or when merged: percentiles do not add).
        public var pacerLatenessP99Ms: Double?
        public var hopP99Ms: Double?
        /// A source frame's wait for its executor after the pacer (`HarnessStats.sourceHop`).
        public var sourceHopP99Ms: Double?
        public var sourceToSinkP50Ms: Double?
        public var sourceToSinkP99Ms: Double?
        /// Real time only: the nice value the pacer's thread ran at (−10 where the system allowed it).
        public var pacerNice: Int?

        enum CodingKeys: String, CodingKey {
            case events
            case simulatedMs = "simulated_ms"
            case wallMs = "wall_ms"
            case framesSent = "frames_sent"
            case framesDropped = "frames_dropped"
            case pacerLatenessP99Ms = "pacer_lateness_p99_ms"
            case hopP99Ms = "hop_p99_ms"
            case sourceHopP99Ms = "source_hop_p99_ms"
            case sourceToSinkP50Ms = "source_to_sink_p50_ms"
            case sourceToSinkP99Ms = "source_to_sink_p99_ms"
            case pacerNice = "pacer_nice"
        }

        public init(_ s: HarnessStats) {
            events = s.events
            simulatedMs = Summary.milliseconds(s.simulated)
            wallMs = Summary.milliseconds(s.wall)
            framesSent = s.framesSent
            framesDropped = s.framesDropped
            // Histograms in nanoseconds; empty ones (virtual time) stay nil.
            let ms = { (count: UInt64, ns: UInt64) in count == 0 ? nil : Double(ns / 1000) / 1000 }
            pacerLatenessP99Ms = ms(s.pacerLateness.totalCount, s.pacerLateness.valueAtPercentile(99))
            hopP99Ms = ms(s.hop.totalCount, s.hop.valueAtPercentile(99))
            sourceHopP99Ms = ms(s.sourceHop.totalCount, s.sourceHop.valueAtPercentile(99))
            sourceToSinkP50Ms = ms(s.sourceToSink.totalCount, s.sourceToSink.valueAtPercentile(50))
            sourceToSinkP99Ms = ms(s.sourceToSink.totalCount, s.sourceToSink.valueAtPercentile(99))
            pacerNice = s.pacerNice
        }

        /// Counts add; simulated and wall time take the longest shard; percentiles cannot be merged.
        mutating func merge(_ other: Harness) {
            events += other.events
            simulatedMs = max(simulatedMs, other.simulatedMs)
            wallMs = max(wallMs, other.wallMs)
            framesSent += other.framesSent
            framesDropped += other.framesDropped
            pacerLatenessP99Ms = nil
            hopP99Ms = nil
            sourceHopP99Ms = nil
            sourceToSinkP50Ms = nil
            sourceToSinkP99Ms = nil
            // Shards on machines that differ keep no single figure.
            if pacerNice != other.pacerNice { pacerNice = nil }
        }
    }
}
