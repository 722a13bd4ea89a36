import EarshotCore

extension RunInfo {
    /// Connection set-ups a design's stages recorded outside their turns (`llm-openai`: lookup,
    /// TCP connect, proxy tunnel and TLS handshake of each session's first connection), and the
    /// connections they tried and never set up. Kept out of the CSVs: it belongs to no turn, and a
    /// turn's latency must not hide or double-count it.
    public struct Connect: Sendable, Equatable, Codable {
        public var n: Int
        /// nil when merged from shards: percentiles do not add.
        public var p50Ms: Double?
        public var p95Ms: Double?
        /// nil when no connection was set up.
        public var maxMs: Double?
        /// Connections tried and never set up (`StageContext.recordFailedConnection`); nil in
        /// reports written before it was counted.
        public var failed: Int?

        enum CodingKeys: String, CodingKey {
            case n
            case p50Ms = "p50_ms"
            case p95Ms = "p95_ms"
            case maxMs = "max_ms"
            case failed
        }

        public init(n: Int, p50Ms: Double?, p95Ms: Double?, maxMs: Double?, failed: Int? = 0) {
            self.n = n
            self.p50Ms = p50Ms
            self.p95Ms = p95Ms
            self.maxMs = maxMs
            self.failed = failed
        }

        /// nil for no connection tried: a design without network stages gets no entry.
        public init?(_ h: LatencyHistogram, failed: Int) {
            guard h.count > 0 || failed > 0 else { return nil }
            n = h.count
            p50Ms = h.percentile(50).map(Summary.milliseconds)
            p95Ms = h.percentile(95).map(Summary.milliseconds)
            maxMs = h.max.map(Summary.milliseconds)
            self.failed = failed
        }

        /// Counts add and the maximum is the larger; percentiles cannot be merged.
        mutating func merge(_ other: Connect) {
            n += other.n
            maxMs = [maxMs, other.maxMs].compactMap { $0 }.max()
            p50Ms = nil
            p95Ms = nil
            failed = failed.flatMap { a in other.failed.map { a + $0 } }
        }
    }
}
