import EarshotCore

/// Everything a report shows: the rows of a run, their summary, and the gate and regression
/// results. Made from a fresh run, read back from an output folder, or merged from shards; the
/// writers take it as it is.
///
/// Rows are kept in one canonical order (design, session, turn; a turn's stages in pipeline
/// order) and the summary is always recomputed from them, so the same rows give the same bytes
/// whichever way they arrived.
public struct RunReport: Sendable {
    public private(set) var info: RunInfo
    public private(set) var turns: [TurnRow]
    public private(set) var stages: [StageRow]
    public private(set) var summary: Summary
    /// Budget gates (`info.gates`) first, then regressions, each in design order.
    public private(set) var results: [GateResult]
    /// What the summary is computed from: every turn of the run, even where `turns` is a sample.
    public private(set) var tally: SummaryTally
    /// The tables are already on disk (a `RowSpool` wrote them as the run went), and `turns` and
    /// `stages` may be a sample of them: every row up to `RowSpool.rowsKept`, then failed turns.
    public private(set) var rowsOnDisk = false

    /// Whether `turns` holds every turn of the run (false for a long spooled run).
    public var hasEveryTurn: Bool { turns.count == tally.turnCount }

    /// Fills `info.designs` and `info.scenarios` from the rows.
    public init(info: RunInfo, turns: [TurnRow], stages: [StageRow], regressions: [Regression] = []) {
        self.info = info
        self.turns = Self.canonical(turns)
        self.stages = Self.canonical(stages)
        summary = Summary(rows: [])
        results = []
        tally = SummaryTally()
        for t in self.turns { tally.add(t) }
        self.info.designs = Self.unique(self.turns.map(\.design) + self.stages.map(\.design)).sorted()
        self.info.scenarios = Self.unique(self.turns.map(\.scenario)).sorted()
        self.info.rows = RunInfo.Rows(turns: self.turns.count, stages: self.stages.count)
        evaluate(regressions: regressions)
    }

    /// A fresh run: one `RunResult` per design. Harness costs go to `info.harness`, connection
    /// set-ups to `info.connect`.
    public init(info: RunInfo, runs: [RunResult], regressions: [Regression] = []) {
        var info = info
        var connections: [String: LatencyHistogram] = [:]
        var failedConnections: [String: Int] = [:]
        for run in runs {
            let h = RunInfo.Harness(run.harness)
            if info.harness[run.design] == nil { info.harness[run.design] = h } else { info.harness[run.design]!.merge(h) }
            connections[run.design, default: LatencyHistogram()].merge(run.connections)
            failedConnections[run.design, default: 0] += run.failedConnections
        }
        for (design, h) in connections { info.connect[design] = RunInfo.Connect(h, failed: failedConnections[design] ?? 0) }
        self.init(
            info: info,
            turns: runs.flatMap { $0.turns.map { TurnRow($0, runID: info.runID, budget: info.budget) } },
            stages: runs.flatMap { $0.stages.map { StageRow($0, runID: info.runID) } },
            regressions: regressions)
    }

    /// A fresh run whose rows a `RowSpool` has written (and finished): the summary comes from
    /// the spool's tally, the rows kept in memory are the spool's sample.
    public init(info: RunInfo, spool: RowSpool, runs: [RunResult], regressions: [Regression] = []) {
        self.init(info: info, runs: runs, regressions: [])
        turns = spool.kept
        stages = spool.keptStages
        tally = spool.tally
        rowsOnDisk = true
        self.info.designs = Self.unique(self.info.designs + spool.tally.outcomes.keys.sorted()).sorted()
        self.info.scenarios = spool.scenarios.sorted()
        self.info.rows = RunInfo.Rows(turns: spool.turnCount, stages: spool.stageCount)
        evaluate(regressions: regressions)
    }

    /// The same rows checked against other gates (which `info.gates` then records) and regressions.
    public func gated(by gates: [Gate], regressions: [Regression] = []) -> RunReport {
        var copy = self
        copy.info.gates = gates
        copy.evaluate(regressions: regressions)
        return copy
    }

    public var passed: Bool { results.allSatisfy(\.pass) }

    /// `.success` or `.gateFailed`.
    public var exit: EarshotExit { EarshotExit(results: results) }

    /// Turns per design and outcome.
    public var outcomes: [String: [TurnOutcome: Int]] { tally.outcomes }

    /// All designs, in report order.
    public var designs: [String] { info.designs }

    private mutating func evaluate(regressions: [Regression]) {
        // A gated metric gets a row even without values, so the failing gate shows in summary.csv.
        let gates = info.gates
        var summary = tally.summary(runID: info.runID) { design in
            Set(gates.filter { $0.design == nil || $0.design == design }.map(\.metric))
                .union(regressions.flatMap { $0.compared(design: design) })
        }
        results = info.gates.flatMap { $0.evaluate(summary) } + regressions.flatMap { $0.evaluate(summary) }
        for i in summary.rows.indices {
            let row = summary.rows[i]
            let mine = results.filter { $0.design == row.design && $0.metric == row.metric }
            guard !mine.isEmpty else { continue }
            let budget = mine.first { $0.check == .budget }
            summary.rows[i].budget = budget?.limit
            summary.rows[i].gatePercentile = budget?.percentile
            summary.rows[i].pass = mine.allSatisfy(\.pass)
        }
        self.summary = summary
    }

    private static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    /// Sorting is stable, so a turn's stage rows keep their pipeline order.
    static func canonical(_ rows: [TurnRow]) -> [TurnRow] {
        rows.enumerated().sorted { a, b in
            (a.element.design, a.element.session, a.element.turn, a.offset) < (b.element.design, b.element.session, b.element.turn, b.offset)
        }.map(\.element)
    }

    static func canonical(_ rows: [StageRow]) -> [StageRow] {
        rows.enumerated().sorted { a, b in
            (a.element.design, a.element.session, a.element.turn, a.offset) < (b.element.design, b.element.session, b.element.turn, b.offset)
        }.map(\.element)
    }
}
