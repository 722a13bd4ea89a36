import ArgumentParser
import EarshotAudio
import EarshotCore
import EarshotReport
import EarshotStages
import Foundation
import Synchronization

/// What `run` and `compare` do once their arguments are parsed: load, run each design, report.
struct Runner {
    let options: RunOptions
    let pipelines: [String]

    func run() throws {
        try Self.reportingHarnessFailure(junit: options.reports.junit) { try measure() }
    }

    /// CI reads the JUnit file, not stderr: a run that failed as a harness (exit 3) leaves one
    /// that says why, rather than none, or a stale one from an earlier run.
    static func reportingHarnessFailure(junit: String?, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error where Earshot.isHarnessFailure(error) {
            if let junit { try? JUnitReportWriter.writeHarnessFailure("\(error)", to: URL(fileURLWithPath: junit)) }
            throw error
        }
    }

    private func measure() throws {
        let started = Date()
        let gates = try options.gates()
        let scenarios = try loadScenarios()
        let overrides = options.network.map { ["network": $0] } ?? [:]
        let files = try pipelines.map { try PipelineFile.load($0, overrides: overrides) }
        var seen: [String: String] = [:]
        for (file, given) in zip(files, pipelines) {
            if let other = seen.updateValue(given, forKey: file.pipeline.name) {
                throw InputError("--pipeline \(other) and --pipeline \(given) are both named '\(file.pipeline.name)': each design needs a name of its own")
            }
        }
        if options.mode == .virtual, let file = files.first(where: { !$0.realTimeOnly.isEmpty }) {
            throw InputError("\(file.pipeline.name): \(file.realTimeOnly[0]) talks to a real agent, which runs on the wall clock: run it with --mode realtime")
        }
        var configuration = RunConfiguration()
        configuration.seed = options.seed
        configuration.sessionsPerScenario = options.sessions
        configuration.arrivalInterval = options.arrivalInterval
        if let (i, n) = try options.shardSpec() {
            configuration = configuration.shard(i, of: n, scenarioCount: scenarios.count)
        }
        let count = configuration.sessions(scenarioCount: scenarios.count).count
        guard count > 0 else { throw InputError("shard \(options.shard ?? "") has no sessions (\(scenarios.count * options.sessions) in all)") }

        let out = URL(fileURLWithPath: options.out ?? "Reports/runs/\(Self.timestamp())", isDirectory: true)
        try checkOutputs(out)

        let runID = options.runId ?? RunInfo.newRunID(startedAt: started)
        // Rows go to disk as sessions finish: memory holds the summary's tally and a sample, not the run.
        let spool = try RowSpool(directory: out, runID: runID, budget: options.budget)
        let spoolFailure = Mutex<InputError?>(nil)
        let interruption = Interruption()
        defer { interruption.end() }
        var results: [RunResult] = []
        var loads: [[LoadLevel]] = []
        for file in files where !interruption.stop.isRequested {
            if options.mode == .realtime {
                let seconds = (scenarios.map(\.audio.duration.milliseconds).max()!
                    + configuration.arrival(ofSession: configuration.firstSession + count - 1).milliseconds) / 1000
                progress("\(file.pipeline.name): \(count) session(s) in real time, about \(Int(seconds.rounded(.up))) s")
            }
            var result: RunResult
            let design = file.pipeline.name, stop = interruption.stop
            let keep: @Sendable (SessionResults) -> Void = { finished in
                do { try spool.append(design: design, finished) } catch {
                    spoolFailure.withLock { $0 = $0 ?? (error as? InputError) ?? InputError("\(error)") }
                    stop.request()
                }
            }
            do {
                switch options.mode {
                case .virtual:
                    result = try VirtualRuntime(pipeline: file.pipeline, scenarios: scenarios, configuration: configuration,
                                                progress: options.quiet ? nil : SessionProgress(design: design).report,
                                                stop: interruption.stop, sessions: keep).run()
                case .realtime:
                    result = try RealtimeRuntime(pipeline: file.pipeline, scenarios: scenarios, configuration: configuration,
                                                 stop: interruption.stop).run()
                    loads.append(LoadLevel.levels(design: design, turns: result.turns) { session in
                        let start = configuration.arrival(ofSession: session)
                        return start..<(start + scenarios[session % scenarios.count].audio.duration)
                    })
                    keep(SessionResults(turns: result.turns, stages: result.stages))
                    result.turns = []
                    result.stages = []
                }
            } catch let error as InputError {
                throw error
            } catch {
                throw HarnessFailure(message: "\(file.pipeline.name): \(error)")
            }
            if result.harness.framesDropped > 0 {
                progress("\(file.pipeline.name): the pacer fell behind and dropped \(result.harness.framesDropped) source frames (see run.json)", always: true)
            }
            // Audio the harness itself took up late reaches the design late: its figures carry the stall.
            let late = result.harness.pacerLateness.valueAtPercentile(99) + result.harness.sourceHop.valueAtPercentile(99)
            if Duration.nanoseconds(Int64(clamping: late)) > HarnessStats.stallLimit {
                let clock = (result.harness.pacerNice ?? 0) < 0 ? "" : " (the pacer ran at the default priority: without CAP_SYS_NICE it cannot take nice -10)"
                progress("\(file.pipeline.name): this machine took up the user's audio up to \(late / 1_000_000) ms late (p99 of the pacer and the executors, see run.json)\(clock): latencies include it; run fewer sessions per process", always: true)
            }
            if result.failedConnections > 0 {
                progress("\(file.pipeline.name): \(result.failedConnections) connection(s) never set up; each failed the turn it was for, with the reason (run.json: connect.failed)", always: true)
            }
            results.append(result)
        }
        if let error = spoolFailure.withLock({ $0 }) { throw error }
        try spool.finish()

        var parameters = ["mode": options.mode.rawValue, "pipelines": pipelines.joined(separator: ","),
                          "scenarios": scenarios.map(\.name).joined(separator: ",")]
        if let shard = options.shard { parameters["shard"] = shard }
        if let network = options.network { parameters["network"] = network }
        // What real components were told beyond the audio (a recogniser's grammar): it flatters their figures.
        for file in files {
            for (id, told) in file.knowledge { parameters["knowledge.\(file.pipeline.name).\(id)"] = told }
        }
        var info = RunInfo(runID: runID, configuration: configuration,
                           budget: options.budget, gates: gates,
                           parameters: parameters, versions: ["earshot": Earshot.version], startedAt: started)
        info.interrupted = interruption.stop.isRequested
        info.pipelines = Dictionary(uniqueKeysWithValues: files.map { ($0.pipeline.name, $0.digest) })
        let report = RunReport(info: info, spool: spool, runs: results)
        try write(report, to: out)
        if options.mode == .realtime {
            try Data(LoadLevel.csv(loads.flatMap { $0 }, runID: runID, budget: options.budget)).write(to: out.appendingPathComponent("load.csv"))
        }
        if !options.quiet { try TerminalReportWriter().write(report) } else { print(TerminalReportWriter.verdict(report)) }
        if !options.quiet && options.ramp != nil {
            for levels in loads where !levels.isEmpty { print(LoadLevel.summary(levels, budget: options.budget)) }
        }
        if let signal = interruption.signal {
            FileHandle.standardError.write(Data("earshot: interrupted by \(interruption.name): wrote the \(report.tally.turnCount) turns that had finished to \(out.relativePath)/\n".utf8))
            throw ExitCode(128 + signal)
        }
        FileHandle.standardError.write(Data("earshot: wrote \(out.relativePath)/\n".utf8))
        if report.exit != .success { throw ExitCode(report.exit.rawValue) }
    }

    /// Every place the run will write, tried before it starts: a run of an hour must not end in
    /// "cannot write".
    func checkOutputs(_ out: URL) throws {
        for (path, option) in [(options.reports.junit, "--junit"), (options.reports.markdown, "--markdown"), (options.reports.html, "--html")] {
            if let path { try OutputFile.checkFile(URL(fileURLWithPath: path), option: option) }
        }
        try OutputFile.checkFolder(out, option: "--out")
    }

    func write(_ report: RunReport, to out: URL) throws {
        try CSVReportWriter(directory: out).write(report)
        try options.reports.write(report)
    }

    static func writeExtras(_ report: RunReport, junit: String?, markdown: String?, html: String?) throws {
        if let junit { try JUnitReportWriter(file: URL(fileURLWithPath: junit)).write(report) }
        // Appended: $GITHUB_STEP_SUMMARY holds what earlier steps wrote.
        if let markdown { try MarkdownReportWriter(file: URL(fileURLWithPath: markdown), append: true).write(report) }
        if let html { try HTMLReportWriter(file: URL(fileURLWithPath: html)).write(report) }
    }

    /// The chosen scenarios, each refused (exit 2) when its ground truth disagrees with its audio
    /// by more than a frame: latency counted from a `user_end` the audio does not have would be wrong
    /// by that much in every row.
    func loadScenarios() throws -> [Scenario] {
        let manifests = try options.scenarios.isEmpty ? Scenario.manifests(in: options.fixtures.url) : options.scenarios.map { name in
            let isFile = name.hasSuffix(".yaml") || name.contains("/")
            let url = isFile ? URL(fileURLWithPath: name)
                : options.fixtures.url.appendingPathComponent("scenarios/\(name).yaml")
            guard FileManager.default.fileExists(atPath: url.path) else {
                let known = (try? Scenario.loadAll(in: options.fixtures.url).map(\.name).joined(separator: ", ")) ?? ""
                throw InputError(isFile ? "\(name): no such scenario file" : "unknown scenario '\(name)' (known: \(known))")
            }
            return url
        }
        let verifier = FixtureVerifier()
        return try manifests.map { url in
            let (scenario, mismatches) = try verifier.verify(manifestAt: url, fixturesRoot: options.fixtures.root(for: url))
            if let first = mismatches.first {
                let frame = Int(FixtureVerifier.frameDuration.nanoseconds / 1_000_000)
                let more = mismatches.count > 1 ? "; \(mismatches.count - 1) more, listed by earshot fixtures verify" : ""
                throw InputError(file: first.file, line: first.line,
                                 "\(first.message): the ground truth is more than one \(frame) ms frame off the audio\(more)")
            }
            return scenario
        }
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: Date())
    }
}

/// The harness itself failed (exit 3), as opposed to the input being bad (exit 2).
struct HarnessFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Sessions done of a virtual run, with the time left at the pace so far: at most a line a second,
/// and only when a person is watching.
final class SessionProgress: Sendable {
    let design: String
    private let started = ContinuousClock.now
    private let lastLine = Mutex(ContinuousClock.now)

    init(design: String) {
        self.design = design
    }

    @Sendable func report(done: Int, total: Int) {
        let now = ContinuousClock.now
        guard done < total, lastLine.withLock({ last in
            guard now - last >= .seconds(1) else { return false }
            last = now
            return true
        }) else { return }
        let elapsed = Double((now - started).components.seconds) + Double((now - started).components.attoseconds) / 1e18
        let left = elapsed / Double(done) * Double(total - done)
        progress("\(design): \(done)/\(total) sessions, about \(Int(left.rounded(.up))) s left")
    }
}

/// A progress line on stderr, only when a person is watching (or `always`, for warnings).
func progress(_ line: String, always: Bool = false) {
    guard always || isatty(STDERR_FILENO) != 0 else { return }
    FileHandle.standardError.write(Data("earshot: \(line)\n".utf8))
}
