import EarshotCore
import Foundation

/// JUnit XML as GitHub Actions reporters, GitLab and Jenkins read it: a test suite per design, a
/// test case per gate or regression check (a `<failure>` with the numbers when it failed), and a
/// test case per failed turn (an `<error>` with the stage's reason).
///
/// Case names hold no limit or tolerance, so a CI system that tracks a case across runs still
/// finds it after `--budget-ms` or `--tolerance` changes; the numbers are in the failure message.
///
/// `time` is wall-clock seconds the design took to run (`run.json` `harness.wall_ms`, added up
/// over a merge's shards) on its suite, and their sum on the root; 0 where the run did not record
/// it. A check costs no measurable time of its own, so its case says 0 rather than share out the
/// run's time.
public struct JUnitReportWriter: ReportWriter {
    public var file: URL

    /// Failed turns listed one case each, per design; past this, one more case counts the rest.
    static let failedTurnCases = 100

    public init(file: URL) { self.file = file }

    public func write(_ report: RunReport) throws {
        try OutputFile.write(Data(Self.render(report).utf8), to: file)
    }

    /// One case per check and per failed turn; `failure` and `error` tell which went wrong.
    struct Case {
        var name: String
        var failure: (type: String, message: String, text: String)?
        var error: (type: String, message: String, text: String)?
        /// Why a passing check passed as it did (a skipped comparison, a stale baseline): CI should still show it.
        var note: String?
    }

    public static func render(_ report: RunReport) -> String {
        // A gate naming a design the run lacks still gets its (failing) case.
        var designs = report.designs
        for r in report.results where !designs.contains(r.design) { designs.append(r.design) }
        let suites = designs.map { design in
            (design, cases(report, design: design), report.info.harness[design].map { $0.wallMs / 1000 } ?? 0)
        }
        let all = suites.flatMap(\.1)
        let e = XMLText.escape
        var x = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        x += #"<testsuites name="earshot \#(e(report.info.runID))" tests="\#(all.count)" failures="\#(all.filter { $0.failure != nil }.count)" errors="\#(all.filter { $0.error != nil }.count)" time="\#(seconds(suites.map(\.2).reduce(0, +)))">"# + "\n"
        for (design, cases, time) in suites {
            let suite = "earshot.\(design)"
            x += #"  <testsuite name="\#(e(suite))" tests="\#(cases.count)" failures="\#(cases.filter { $0.failure != nil }.count)" errors="\#(cases.filter { $0.error != nil }.count)" skipped="0" time="\#(seconds(time))">"# + "\n"
            x += "    <properties>\n"
            x += #"      <property name="run_id" value="\#(e(report.info.runID))"/>"# + "\n"
            if let seed = report.info.seed { x += #"      <property name="seed" value="\#(seed)"/>"# + "\n" }
            x += "    </properties>\n"
            for c in cases { x += render(c, suite: suite) }
            x += "  </testsuite>\n"
        }
        x += "</testsuites>\n"
        return x
    }

    /// The file a run that never finished leaves for CI (exit 3): one case, its `<error>` the
    /// harness's message, so the job's test report says why rather than showing nothing.
    public static func renderHarnessFailure(_ message: String) -> String {
        let c = Case(name: "harness", error: ("harness", message, message))
        var x = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        x += #"<testsuites name="earshot" tests="1" failures="0" errors="1" time="0.000">"# + "\n"
        x += #"  <testsuite name="earshot" tests="1" failures="0" errors="1" skipped="0" time="0.000">"# + "\n"
        x += render(c, suite: "earshot")
        x += "  </testsuite>\n</testsuites>\n"
        return x
    }

    public static func writeHarnessFailure(_ message: String, to file: URL) throws {
        try OutputFile.write(Data(renderHarnessFailure(message).utf8), to: file)
    }

    static func cases(_ report: RunReport, design: String) -> [Case] {
        var cases = report.results.filter { $0.design == design }.map { r in
            Case(name: stableName(r), failure: r.pass ? nil : (r.check.rawValue, r.explanation, r.description),
                 note: r.pass ? r.note : nil)
        }
        let failed = report.turns.filter { $0.design == design && $0.outcome == .failed }
        for t in failed.prefix(failedTurnCases) {
            let reason = t.failure ?? "failed"
            cases.append(Case(name: "\(t.scenario) session \(t.session) turn \(t.turn)",
                              error: ("failed_turn", reason, "\(design) \(t.scenario) session \(t.session) turn \(t.turn): \(reason)")))
        }
        // The rows in memory may be a sample of a long run; the tally counts every failed turn.
        let total = max(failed.count, report.outcomes[design]?[.failed] ?? 0)
        if total > failedTurnCases {
            let more = total - min(failed.count, failedTurnCases)
            let text = "\(more) more failed turn\(more == 1 ? "" : "s") (turns.csv has them all)"
            cases.append(Case(name: "more failed turns", error: ("failed_turn", text, text)))
        }
        return cases
    }

    /// What the check is, never what it is held to.
    static func stableName(_ r: GateResult) -> String {
        [r.metric.name, r.percentile?.rawValue, r.check.rawValue].compactMap { $0 }.joined(separator: " ")
    }

    static func render(_ c: Case, suite: String) -> String {
        let e = XMLText.escape
        var x = #"    <testcase classname="\#(e(suite))" name="\#(e(c.name))" time="0.000""#
        guard c.failure != nil || c.error != nil else {
            return x + (c.note.map { ">\n      <system-out>\(e($0))</system-out>\n    </testcase>\n" } ?? "/>\n")
        }
        x += ">\n"
        if let f = c.failure { x += #"      <failure type="\#(e(f.type))" message="\#(e(f.message))">\#(e(f.text))</failure>"# + "\n" }
        if let f = c.error { x += #"      <error type="\#(e(f.type))" message="\#(e(f.message))">\#(e(f.text))</error>"# + "\n" }
        return x + "    </testcase>\n"
    }

    /// Seconds with millisecond precision, as JUnit readers expect.
    static func seconds(_ s: Double) -> String { String(format: "%.3f", s.isFinite ? max(s, 0) : 0) }
}
