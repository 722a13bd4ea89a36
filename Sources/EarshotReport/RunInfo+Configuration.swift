import EarshotCore

extension RunInfo {
    /// `RunConfiguration` with durations in milliseconds; the seed is `RunInfo.seed`.
    public struct Configuration: Sendable, Equatable, Codable {
        public var frameMs: Double
        public var sessionsPerScenario: Int
        public var firstSession: Int
        /// Sessions from `firstSession` this run (a shard) ran; nil when it ran them all.
        public var sessionCount: Int?
        public var silenceThresholdDBFS: Double
        public var responseTimeoutMs: Double
        public var stopWindowMs: Double
        public var drainTimeoutMs: Double
        public var staleFrameLimitMs: Double
        public var startLeadMs: Double
        public var recordsHarnessStats: Bool

        enum CodingKeys: String, CodingKey {
            case frameMs = "frame_ms"
            case sessionsPerScenario = "sessions_per_scenario"
            case firstSession = "first_session"
            case sessionCount = "session_count"
            case silenceThresholdDBFS = "silence_threshold_dbfs"
            case responseTimeoutMs = "response_timeout_ms"
            case stopWindowMs = "stop_window_ms"
            case drainTimeoutMs = "drain_timeout_ms"
            case staleFrameLimitMs = "stale_frame_limit_ms"
            case startLeadMs = "start_lead_ms"
            case recordsHarnessStats = "records_harness_stats"
        }

        public init(_ c: RunConfiguration) {
            frameMs = Summary.milliseconds(c.frameDuration)
            sessionsPerScenario = c.sessionsPerScenario
            firstSession = c.firstSession
            sessionCount = c.sessionCount
            silenceThresholdDBFS = c.silenceThresholdDBFS
            responseTimeoutMs = Summary.milliseconds(c.responseTimeout)
            stopWindowMs = Summary.milliseconds(c.stopWindow)
            drainTimeoutMs = Summary.milliseconds(c.drainTimeout)
            staleFrameLimitMs = Summary.milliseconds(c.staleFrameLimit)
            startLeadMs = Summary.milliseconds(c.startLead)
            recordsHarnessStats = c.recordsHarnessStats
        }

        /// What in a decoded configuration no run could have written, said in one line; nil when it is sound.
        var outOfRange: String? {
            let durations = [("frame_ms", frameMs), ("response_timeout_ms", responseTimeoutMs), ("stop_window_ms", stopWindowMs),
                             ("drain_timeout_ms", drainTimeoutMs),
                             ("stale_frame_limit_ms", staleFrameLimitMs), ("start_lead_ms", startLeadMs)]
            if let (name, ms) = durations.first(where: { Duration.milliseconds(checked: $0.1) == nil || $0.1 < 0 }) {
                return "\(name) must be >= 0 and \(InputLimits.rule), got \(ms)"
            }
            if sessionsPerScenario < 1 { return "sessions_per_scenario must be at least 1, got \(sessionsPerScenario)" }
            if firstSession < 0 { return "first_session must not be negative, got \(firstSession)" }
            if let n = sessionCount, n < 1 { return "session_count must be at least 1, got \(n)" }
            return nil
        }

        /// The configuration to run again with, given the run's seed.
        public func runConfiguration(seed: UInt64) -> RunConfiguration {
            let d = { (ms: Double) in Duration.milliseconds(checked: ms) ?? .zero }
            var c = RunConfiguration()
            c.frameDuration = d(frameMs)
            c.sessionsPerScenario = sessionsPerScenario
            c.firstSession = firstSession
            c.sessionCount = sessionCount
            c.seed = seed
            c.silenceThresholdDBFS = silenceThresholdDBFS
            c.responseTimeout = d(responseTimeoutMs)
            c.stopWindow = d(stopWindowMs)
            c.drainTimeout = d(drainTimeoutMs)
            c.staleFrameLimit = d(staleFrameLimitMs)
            c.startLead = d(startLeadMs)
            c.recordsHarnessStats = recordsHarnessStats
            return c
        }
    }
}
