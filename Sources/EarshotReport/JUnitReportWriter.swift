import EarshotCore
import Foundation

/// JUnit XML as GitHub Actions reporters, GitLab and Jenkins read it: a test suite per design, a
/// test case per gate or regression check, a `<failure>` with the numbers when it failed. Failed
/// turns are listed in the suite's `<system-out>`.
public struct JUnitReportWriter: ReportWriter {
    public var file: URL

    public init(file: URL) { self.file = file }

    public func write(_ report: RunReport) throws {
        try OutputFile.write(Data(Self.render(report).utf8), to: file)
    }

    public static func render(_ report: RunReport) -> String {
        let e = XMLText.escape
        let failures = report.results.filter { !$0.pass }.count
        var x = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        x += #"<testsuites name="earshot \#(e(report.info.runID))" tests="\#(report.results.count)" failures="\#(failures)" errors="0" time="0">"# + "\n"
        // A gate naming a design the run lacks still gets its (failing) case.
        var designs = report.designs
        for r in report.results where !designs.contains(r.design) { designs.append(r.design) }
        for design in designs {
            let cases = report.results.filter { $0.design == design }
            let suite = "earshot.\(design)"
            x += #"  <testsuite name="\#(e(suite))" tests="\#(cases.count)" failures="\#(cases.filter { !$0.pass }.count)" errors="0" skipped="0" time="0">"# + "\n"
            x += "    <properties>\n"
            x += #"      <property name="run_id" value="\#(e(report.info.runID))"/>"# + "\n"
            if let seed = report.info.seed { x += #"      <property name="seed" value="\#(seed)"/>"# + "\n" }
            x += "    </properties>\n"
            for r in cases {
                x += #"    <testcase classname="\#(e(suite))" name="\#(e(r.caseName))" time="0""#
                if r.pass, let note = r.note {
                    // A skipped comparison or a stale baseline passes, but CI should still show why.
                    x += ">\n      <system-out>\(e(note))</system-out>\n    </testcase>\n"
                } else if r.pass {
                    x += "/>\n"
                } else {
                    x += ">\n"
                    x += #"      <failure type="\#(r.check.rawValue)" message="\#(e(r.explanation))">\#(e(r.description))</failure>"# + "\n"
                    x += "    </testcase>\n"
                }
            }
            let failed = report.turns.filter { $0.design == design && $0.outcome == .failed }
            if !failed.isEmpty {
                let lines = failed.map { "\($0.scenario) session \($0.session) turn \($0.turn): \($0.failure ?? "failed")" }
                x += "    <system-out>\(e("\(failed.count) failed turn\(failed.count == 1 ? "" : "s"):\n" + lines.joined(separator: "\n")))</system-out>\n"
            }
            x += "  </testsuite>\n"
        }
        x += "</testsuites>\n"
        return x
    }
}
