import EarshotCore

/// A quantity in `summary.csv`: its name (which ends in its unit), its unit and its direction.
///
/// Latency metrics are distributions, summarised by percentiles and gated at one; rate metrics are
/// a single fraction of turns, written in the `mean` column and gated directly.
public struct Metric: Hashable, Sendable, CustomStringConvertible {
    public enum Unit: String, Sendable {
        case milliseconds = "ms"
        /// A fraction of turns, 0...1.
        case ratio
    }

    public let name: String
    public let unit: Unit
    /// Lower is better (every latency, the failure rates) or higher is better (`response_rate`).
    public let prefersSmaller: Bool

    private init(_ name: String, _ unit: Unit, prefersSmaller: Bool = true) {
        self.name = name
        self.unit = unit
        self.prefersSmaller = prefersSmaller
    }

    /// `agent_start − user_end`, over turns that got an audible reply in time.
    public static let voiceToVoice = Metric("voice_to_voice_ms", .milliseconds)
    /// Barge-in onset to the end of the agent's last audible audio.
    public static let stopLatency = Metric("stop_latency_ms", .milliseconds)
    /// One breakdown segment, named after the mark that ends it (`endpoint` → `endpoint_ms`).
    public static func segment(_ name: String) -> Metric { Metric("\(name)_ms", .milliseconds) }
    public static let segments: [Metric] = ReportSchema.segments.map(segment)

    /// Turns expecting a reply (kind `turn` or `barge_in`) that got an audible one in time.
    public static let responseRate = Metric("response_rate", .ratio, prefersSmaller: false)
    /// Turns expecting a reply where the agent started before the user had finished.
    public static let talkedOverRate = Metric("talked_over_rate", .ratio)
    /// Turns expecting a reply that got none within the response timeout.
    public static let missedRate = Metric("missed_rate", .ratio)
    /// Turns of any kind that a stage failed.
    public static let failedRate = Metric("failed_rate", .ratio)
    /// Backchannels the agent rightly did not answer.
    public static let backchannelIgnoredRate = Metric("backchannel_ignored_rate", .ratio, prefersSmaller: false)

    /// Word errors over the words of the turns whose transcript can be scored (`WordErrors`): n is
    /// the words, the rate can pass 1 when a recogniser adds words.
    public static let wordErrorRate = Metric("word_error_rate", .ratio)
    /// Answered turns, among those with a transcript, whose recogniser heard no words.
    public static let answeredUnheardRate = Metric("answered_unheard_rate", .ratio)

    public static let latencies: [Metric] = [voiceToVoice] + segments + [stopLatency]
    public static let rates: [Metric] = [responseRate, talkedOverRate, missedRate, failedRate, backchannelIgnoredRate,
                                         wordErrorRate, answeredUnheardRate]
    /// Every metric, in `summary.csv` order.
    public static let all: [Metric] = latencies + rates

    /// The known metric of that name, if any.
    public init?(named name: String) {
        guard let m = Self.all.first(where: { $0.name == name }) else { return nil }
        self = m
    }

    /// As `init(named:)`, or a latency without its `_ms` (`endpoint`, `voice_to_voice`): how gates
    /// and tolerances are written on a command line.
    public init?(shortName name: String) {
        guard let m = Metric(named: name) ?? Metric(named: name + "_ms").flatMap({ $0.isLatency ? $0 : nil }) else { return nil }
        self = m
    }

    public var isLatency: Bool { unit == .milliseconds }
    public var description: String { name }
}
