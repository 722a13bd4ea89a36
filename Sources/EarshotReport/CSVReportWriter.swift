import EarshotCore
import Foundation

/// Writes an output folder: `turns.csv`, `stages.csv`, `summary.csv`, `gates.csv` (RFC 4180, CRLF,
/// header first, quoted as CSV.swift quotes) and `run.json`. Same rows, same CSV bytes: nothing
/// time- or machine-dependent goes in a CSV.
public struct CSVReportWriter: ReportWriter {
    public var directory: URL

    public init(directory: URL) { self.directory = directory }

    public func write(_ report: RunReport) throws {
        for (file, data) in try Self.files(report) {
            try OutputFile.write(data, to: directory.appendingPathComponent(file))
        }
    }

    /// The folder's files by name, as bytes; without the tables when a `RowSpool` has written them.
    public static func files(_ report: RunReport) throws -> [(name: String, data: Data)] {
        let tables = report.rowsOnDisk ? [] : [
            (ReportSchema.turnsFile, csv(ReportSchema.turnColumns, report.turns.map(\.csvFields))),
            (ReportSchema.stagesFile, csv(ReportSchema.stageColumns, report.stages.map(\.csvFields))),
        ]
        return tables + [
            (ReportSchema.summaryFile, csv(ReportSchema.summaryColumns, report.summary.rows.map(\.csvFields))),
            (ReportSchema.gatesFile, csv(ReportSchema.gateColumns, report.results.map { [String(ReportSchema.version)] + $0.csvFields(runID: report.info.runID) })),
            (ReportSchema.runFile, try report.info.json()),
        ]
    }

    /// Only `summary.csv`, to `file`: what `earshot baseline` writes for `check --baseline` to read.
    public static func writeSummary(_ report: RunReport, to file: URL) throws {
        try OutputFile.write(csv(ReportSchema.summaryColumns, report.summary.rows.map(\.csvFields)), to: file)
    }

    static func csv(_ header: [String], _ rows: [[String]]) -> Data {
        Data(CSVText.encode([header]) + CSVText.encode(rows, quoted: ReportSchema.quoted(header)))
    }
}
