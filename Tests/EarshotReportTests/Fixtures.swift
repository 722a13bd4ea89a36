import EarshotCore
import EarshotReport
import Foundation

/// Rows, runs and folders with known contents.
enum Fixtures {
    static let epoch = Date(timeIntervalSince1970: 1_700_000_000)

    static func info(runID: String = "test-run", gates: [Gate] = [Gate(.voiceToVoice, .p90, budget: .milliseconds(300))],
                     configuration: RunConfiguration? = nil, budget: Duration? = .milliseconds(300)) -> RunInfo {
        RunInfo(runID: runID, configuration: configuration, budget: budget, gates: gates,
                versions: ["earshot": "test"], startedAt: epoch, machine: nil)
    }

    /// An answered turn whose voice-to-voice latency is `micros`, split 40/60 into endpoint and playout.
    static func turn(_ design: String = "cascade", scenario: String = "greeting", session: Int, turn: Int = 1,
                     micros: Int64?, outcome: TurnOutcome = .responded, kind: ScenarioTurn.Kind = .turn,
                     stop: Duration? = nil, runID: String = "test-run") -> TurnRow {
        let userEnd = RunTime.milliseconds(1000 + Int64(turn) * 3000)
        var segments: [String: Duration] = [:]
        var agentStart: RunTime?
        if let micros {
            let endpoint = micros * 2 / 5
            segments = ["endpoint": .microseconds(endpoint), "playout": .microseconds(micros - endpoint)]
            agentStart = userEnd + .microseconds(micros)
        }
        return TurnRow(runID: runID, design: design, scenario: scenario, session: session, turn: turn, kind: kind,
                       outcome: outcome, userStart: userEnd - .milliseconds(800), userEnd: userEnd,
                       agentStart: agentStart, segments: segments, stopLatency: stop, budget: .milliseconds(300),
                       failure: outcome == .failed ? "stt: timed out after 5 s" : nil)
    }

    /// One answered turn per value, in sessions 0, 1, 2, …
    static func report(_ design: String = "cascade", millis: [Double], gates: [Gate]) -> RunReport {
        let turns = millis.enumerated().map { i, ms in turn(design, session: i, micros: Int64((ms * 1000).rounded())) }
        return RunReport(info: info(gates: gates), turns: turns, stages: [])
    }

    /// A fresh folder under the system's temporary directory, removed by `cleanUp`.
    static func directory(_ name: String = #function) -> URL {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("earshot-report-tests-\(safe)-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func cleanUp(_ url: URL) { try? FileManager.default.removeItem(at: url) }

    static func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }
}
