import EarshotCore

extension RunInfo {
    /// Connection set-ups a design's stages recorded outside their turns (`llm-openai`: lookup,
    /// TCP connect, proxy tunnel and TLS handshake of each session's first connection). Kept out of
    /// the CSVs: it belongs to no turn, and a turn's latency must not hide or double-count it.
    public struct Connect: Sendable, Equatable, Codable {
        public var n: Int
        /// nil when merged from shards: percentiles do not add.
        public var p50Ms: Double?
        public var p95Ms: Double?
        public var maxMs: Double

        enum CodingKeys: String, CodingKey {
            case n
            case p50Ms = "p50_ms"
            case p95Ms = "p95_ms"
            case maxMs = "max_ms"
        }

        public init(n: Int, p50Ms: Double?, p95Ms: Double?, maxMs: Double) {
            self.n = n
            self.p50Ms = p50Ms
            self.p95Ms = p95Ms
            self.maxMs = maxMs
        }

        /// nil for no set-ups: a design without network stages gets no entry.
        public init?(_ h: LatencyHistogram) {
            guard let max = h.max, let p50 = h.percentile(50), let p95 = h.percentile(95) else { return nil }
            n = h.count
            p50Ms = Summary.milliseconds(p50)
            p95Ms = Summary.milliseconds(p95)
            maxMs = Summary.milliseconds(max)
        }

        /// Counts add and the maximum is the larger; percentiles cannot be merged.
        mutating func merge(_ other: Connect) {
            n += other.n
            maxMs = Swift.max(maxMs, other.maxMs)
            p50Ms = nil
            p95Ms = nil
        }
    }
}
