/// A report backend: CSV files, JUnit XML, Markdown, HTML, the terminal. Each conformer is told
/// where to write when it is made and writes a whole `RunReport` at once.
///
///     let report = RunReport(info: info, runs: results)
///     for writer in [CSVReportWriter(directory: out), HTMLReportWriter(file: out.appendingPathComponent("report.html"))] as [any ReportWriter] {
///         try writer.write(report)
///     }
public protocol ReportWriter: Sendable {
    func write(_ report: RunReport) throws
}
