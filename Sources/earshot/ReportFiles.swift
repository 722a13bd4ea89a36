import ArgumentParser
import EarshotReport

/// `check`'s report files: the same JUnit, Markdown and HTML as `run` writes, but with the
/// checks `check` made (its budget and the baseline's regressions), so CI reports what gated it.
struct ReportFiles: ParsableArguments {
    @Option(help: "Write JUnit XML here (one test case per design and check, one per failed turn).")
    var junit: String?

    @Option(help: "Append a Markdown summary to this file (fit for $GITHUB_STEP_SUMMARY).")
    var markdown: String?

    @Option(help: "Write a single-file HTML report here.")
    var html: String?

    func write(_ report: RunReport) throws {
        try Runner.writeExtras(report, junit: junit, markdown: markdown, html: html)
    }
}
