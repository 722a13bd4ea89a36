import ArgumentParser
import EarshotCore
import EarshotReport
import EarshotStages
import Foundation

extension Earshot {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the scenarios through one design and check it against the budget.",
            discussion: """
                Writes turns.csv, stages.csv, summary.csv and run.json to the output folder and prints \
                a table (n, p50, p95, p99, max, budget, PASS/FAIL). Exit 0 within every gate, 1 when one fails.

                Example:
                  earshot run --pipeline duplex-moshi
                  earshot run --pipeline my-design.yaml --scenario barge-in --sessions 20 --gate p99
                  earshot run --pipeline duplex-moshi --gate 'response_rate>=0.95'
                  earshot run --pipeline cascade-local --gate 'endpoint:p50<=200'
                  earshot run --pipeline cascade-local --gates ci-gates.yaml
                """)

        @Option(help: "Preset name (earshot stages lists them) or pipeline YAML file.")
        var pipeline: String

        @OptionGroup var options: RunOptions

        func run() throws { try Runner(options: options, pipelines: [pipeline]).run() }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run several designs on the same scenarios and seeds, side by side.",
            discussion: """
                One table and one set of CSVs with a design column. Default: \(defaultPipelines.joined(separator: ", ")).

                Example:
                  earshot compare
                  earshot compare --pipeline cascade-cloud --pipeline duplex-gradium --html report.html
                """)

        static var defaultPipelines: [String] {
            ["cascade-local", "cascade-cloud", "duplex-moshi", "duplex-gradium"].filter { Presets.names.contains($0) }
        }

        @Option(name: .customLong("pipeline"), help: "Preset name or pipeline YAML file; repeat for each design.")
        var pipelines: [String] = []

        @OptionGroup var options: RunOptions

        func run() throws {
            let chosen = pipelines.isEmpty ? Self.defaultPipelines : pipelines
            guard !chosen.isEmpty else { throw InputError("no pipelines to compare (presets: \(Presets.names.joined(separator: ", ")))") }
            try Runner(options: options, pipelines: chosen).run()
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Combine shard outputs exactly: rows concatenated, the summary recomputed from all of them.",
            discussion: """
                Example:
                  earshot merge shard-1/ shard-2/ shard-3/ shard-4/ --out merged/
                """)

        @Argument(help: "Shard output folders.")
        var folders: [String]

        @Option(help: "Folder for the merged output.")
        var out: String

        @Option(help: "Name of the merged run (default: the run id the shards share, else a new one).")
        var runId: String?

        func validate() throws {
            guard !folders.isEmpty else { throw ValidationError("give at least one shard folder") }
            if let runId, let problem = RunInfo.problem(withRunID: runId) { throw ValidationError("--run-id \(problem), got \(runId.debugDescription)") }
        }

        func run() throws {
            let target = URL(fileURLWithPath: out, isDirectory: true).standardizedFileURL.resolvingSymlinksInPath().path
            if let input = folders.first(where: { URL(fileURLWithPath: $0, isDirectory: true).standardizedFileURL.resolvingSymlinksInPath().path == target }) {
                throw InputError("--out \(out) is the input folder \(input): merge writes a new folder and never over its inputs")
            }
            let shards = try folders.map { try ReportReader.read(URL(fileURLWithPath: $0, isDirectory: true)) }
            // Each shard of a CI job has a run id of its own; the merged run gets one more.
            let shared = Set(shards.map(\.info.runID)).count == 1
            let merged = try RunReport.merge(shards, runID: runId ?? (shared ? nil : RunInfo.newRunID()))
            try CSVReportWriter(directory: URL(fileURLWithPath: out, isDirectory: true)).write(merged)
            try TerminalReportWriter().write(merged)
            if merged.exit != .success { throw ExitCode(merged.exit.rawValue) }
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render JUnit, Markdown or HTML from an output folder without running again.",
            discussion: """
                Example:
                  earshot report Reports/runs/20261123-170000 --html report.html --markdown "$GITHUB_STEP_SUMMARY"
                """)

        @Argument(help: "Output folder of a run.")
        var folder: String

        @Option(help: "Write JUnit XML here.") var junit: String?
        @Option(help: "Append a Markdown summary to this file (fit for $GITHUB_STEP_SUMMARY).") var markdown: String?
        @Option(help: "Write a single-file HTML report here.") var html: String?

        func validate() throws {
            guard junit != nil || markdown != nil || html != nil else {
                throw ValidationError("say what to render: --junit FILE, --markdown FILE and/or --html FILE")
            }
        }

        func run() throws {
            let report = try ReportReader.read(URL(fileURLWithPath: folder, isDirectory: true))
            try Runner.writeExtras(report, junit: junit, markdown: markdown, html: html)
        }
    }
}
