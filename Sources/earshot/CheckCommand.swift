import ArgumentParser
import EarshotCore
import EarshotReport
import Foundation

extension Earshot {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Gate an existing output folder: thresholds, or regression against a baseline.",
            discussion: """
                Without --baseline: the run's own gates (run.json), where --budget-ms, --gate and --gates \
                replace them metric by metric.

                With --baseline: a regression gate. Every metric and rate of every design is compared \
                with the baseline's (latencies at p50 and p95); each may move the wrong way by at most \
                its tolerance. Fewer than --min-samples values on either side skips a comparison with a \
                note; an improvement beyond tolerance is reported with the command that refreshes the \
                baseline; a design the baseline has and the run lacks fails, a new design is reported. \
                The run's budget is not applied again: give --budget-ms, --gate or --gates to check those too.

                Example:
                  earshot check Reports/runs/20261123-170000 --gate p95 --budget-ms 300
                  earshot check out/ --gate 'response_rate>=0.95' --gate 'endpoint:p50<=200'
                  earshot check out/ --baseline Reports/baseline/summary.csv --tolerance 10%
                  earshot check out/ --baseline base.csv --tolerance 5% --tolerance endpoint=20
                  earshot check out/ --baseline base.csv --metric voice_to_voice
                """)

        @Argument(help: "Output folder of a run (turns.csv, stages.csv, run.json).")
        var folder: String

        @Option(help: "Voice-to-voice budget, ms (without --baseline: default the run's own; with it: checked only when given).")
        var budgetMs: Double?

        @Option(help: "A threshold in run's --gate form, repeatable; a bare p50|p90|p95|p99 is the percentile the budget reads.")
        var gate: [String] = []

        @Option(name: .customLong("gates"), help: "YAML file holding a list of thresholds in --gate's form.")
        var gatesFile: String?

        @Option(help: "Baseline summary.csv to compare against (earshot baseline writes one).")
        var baseline: String?

        @Option(help: "Allowed change against the baseline: a percentage for every metric (default 10%) and/or metric=percent for one, repeatable, e.g. --tolerance 5% --tolerance endpoint=20.")
        var tolerance: [String] = []

        @Option(help: "Fewer values than this in the run or the baseline, and that comparison is skipped with a note.")
        var minSamples = Regression.defaultMinSamples

        @Option(name: .customLong("metric"), help: "Compare only this metric with the baseline, repeatable (default: every metric and rate), e.g. --metric voice_to_voice --metric response_rate.")
        var metrics: [String] = []

        @OptionGroup var reports: ReportFiles

        /// `--metric`, read; every metric when none is given.
        func comparedMetrics() throws -> [Metric] {
            guard !metrics.isEmpty else { return Metric.all }
            return try metrics.map { name in
                guard let m = Metric(shortName: name) else {
                    throw ValidationError("--metric \(name): unknown metric (known: \(Metric.all.map(\.name).joined(separator: ", ")))")
                }
                return m
            }
        }

        func validate() throws {
            if let budgetMs { _ = try RunOptions.budget(milliseconds: budgetMs) }
            _ = try Tolerances(tolerance)
            // A tolerance with nothing to compare against would be ignored, and the check would seem to have passed it.
            if baseline == nil, !tolerance.isEmpty || !metrics.isEmpty {
                throw ValidationError("--tolerance and --metric compare against a baseline: give --baseline FILE too")
            }
            _ = try comparedMetrics()
            guard minSamples >= 1 else { throw ValidationError("--min-samples must be at least 1, got \(minSamples)") }
        }

        func run() throws {
            let given = try GateSpecs(flags: gate, file: gatesFile)
            let tolerances = try Tolerances(tolerance)
            let regressions = try baseline.map {
                [try Regression(baselineFile: URL(fileURLWithPath: $0), tolerancePercent: tolerances.all,
                                tolerances: tolerances.perMetric, minSamples: minSamples, metrics: try comparedMetrics(),
                                refresh: "earshot baseline \(folder) --out \($0)")]
            } ?? []
            var report = try ReportReader.read(URL(fileURLWithPath: folder, isDirectory: true))
            for (regression, file) in zip(regressions, [baseline].compactMap { $0 }) { try regression.checkCovers(report.summary, file: file) }
            var gates = given.gates
            if budgetMs != nil || given.percentile != nil {
                let own = report.info.gates.first { $0.metric == .voiceToVoice && $0.design == nil }?.percentile
                let budget = try budgetMs.map(RunOptions.budget(milliseconds:)) ?? report.info.budget ?? Gate.defaultBudget
                gates = Gate.combining(gates, defaults: [Gate(.voiceToVoice, given.percentile ?? own ?? .p95, budget: budget)])
            }
            // A regression check is its own gate: the run's budget already had its say when it ran.
            if baseline == nil {
                let own = report.info.gates.isEmpty ? Gate.defaults(budget: report.info.budget ?? Gate.defaultBudget) : report.info.gates
                gates = Gate.combining(gates, defaults: own)
            }
            report = report.gated(by: gates, regressions: regressions)
            try TerminalReportWriter().write(report)
            try reports.write(report)
            if report.exit != .success { throw ExitCode(report.exit.rawValue) }
        }
    }
}
