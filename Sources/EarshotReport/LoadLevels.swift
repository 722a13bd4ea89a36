import EarshotCore
import Foundation

/// Latency by load: each turn counted at the number of callers on the line when the user stopped
/// speaking, in powers-of-two bands (1, 2, 3–4, 5–8, …). A ramped real-time run (`--ramp`) sweeps
/// from one caller to all of them and back, so one run says where an agent's p95 crosses the budget.
public struct LoadLevel: Sendable, Equatable {
    public var design: String
    /// Concurrent callers, the band's bounds.
    public var callers: ClosedRange<Int>
    public var turns = 0
    public var failed = 0
    /// Voice-to-voice of the turns that count (`TurnResult.countsLatency`).
    public var latency = LatencyHistogram()

    public var p95: Duration? { latency.percentile(95) }

    /// The band holding `n` callers.
    static func band(_ n: Int) -> ClosedRange<Int> {
        guard n > 1 else { return 1...1 }
        var hi = 1
        while hi < n { hi *= 2 }
        return (hi / 2 + 1)...hi
    }

    /// `span(session)` is when that session's caller was on the line, on one clock for the run.
    public static func levels(design: String, turns: [TurnResult], span: (Int) -> Range<Duration>) -> [LoadLevel] {
        let sessions = Set(turns.map(\.session))
        let starts = sessions.map { span($0).lowerBound.nanoseconds }.sorted()
        let ends = sessions.map { span($0).upperBound.nanoseconds }.sorted()
        func count(_ sorted: [Int64], atOrBefore t: Int64) -> Int {
            var lo = 0, hi = sorted.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if sorted[mid] <= t { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        var levels: [ClosedRange<Int>: LoadLevel] = [:]
        for turn in turns where turn.kind != .backchannel {
            let t = span(turn.session).lowerBound.nanoseconds + turn.userEnd.nanoseconds
            let band = band(max(1, count(starts, atOrBefore: t) - count(ends, atOrBefore: t)))
            var level = levels[band] ?? LoadLevel(design: design, callers: band)
            level.turns += 1
            if turn.outcome == .failed { level.failed += 1 }
            if turn.countsLatency, let v = turn.voiceToVoice { level.latency.record(v) }
            levels[band] = level
        }
        return levels.values.sorted { $0.callers.lowerBound < $1.callers.lowerBound }
    }

    /// The first band whose p95 is over `budget`: where the agent stops keeping up.
    public static func crossing(_ levels: [LoadLevel], budget: Duration) -> LoadLevel? {
        levels.first { ($0.p95 ?? .zero) > budget }
    }

    public static let columns = [ReportSchema.versionColumn, "run_id", "design", "callers_min", "callers_max", "turns", "failed",
                                 "n", "p50_ms", "p95_ms", "p99_ms", "budget_ms", "p95_within_budget"]

    /// `load.csv`: one row per design and band.
    public static func csv(_ levels: [LoadLevel], runID: String, budget: Duration) -> [UInt8] {
        func ms(_ d: Duration?) -> String { d.map { String(format: "%.3f", $0.milliseconds) } ?? "" }
        let rows = levels.map { l -> [String] in
            [String(ReportSchema.version), runID, l.design, String(l.callers.lowerBound), String(l.callers.upperBound), String(l.turns),
             String(l.failed), String(l.latency.count), ms(l.latency.percentile(50)), ms(l.p95), ms(l.latency.percentile(99)),
             ms(budget), l.p95.map { $0 <= budget ? "true" : "false" } ?? ""]
        }
        return CSVText.encode([columns] + rows)
    }

    /// One line per design for the terminal.
    public static func summary(_ levels: [LoadLevel], budget: Duration) -> String {
        let bands = levels.map { l in
            let who = l.callers.count == 1 ? "\(l.callers.lowerBound)" : "\(l.callers.lowerBound)–\(l.callers.upperBound)"
            return "\(who): \(l.p95.map { String(format: "%.0f", $0.milliseconds) } ?? "–")"
        }.joined(separator: ", ")
        let design = levels.first?.design ?? ""
        let verdict = crossing(levels, budget: budget).map { "crosses the \(String(format: "%.0f", budget.milliseconds)) ms budget at \($0.callers.lowerBound)–\($0.callers.upperBound) callers" }
            ?? "within the \(String(format: "%.0f", budget.milliseconds)) ms budget at every load"
        return "\(design): p95 ms by concurrent callers — \(bands); \(verdict)"
    }
}
