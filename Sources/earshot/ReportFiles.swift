import ArgumentParser
import EarshotReport

/// The report files besides the folder's CSVs, for `run`, `compare` and `check` alike: `check`
/// writes the checks it made (its gates and the baseline's regressions), so CI reports what gated it.
struct ReportFiles: ParsableArguments {
    @Option(help: "Also write JUnit XML here (one test case per design and check, one per failed turn).")
    var junit: String?

    @Option(help: "Append a Markdown summary to this file (fit for $GITHUB_STEP_SUMMARY).")
    var markdown: String?

    @Option(help: "Also write a single-file HTML report here.")
    var html: String?

    func write(_ report: RunReport) throws {
        try Runner.writeExtras(report, junit: junit, markdown: markdown, html: html)
    }
}
