import CSV
import EarshotCore
import Foundation

/// Writes an output folder: `turns.csv`, `stages.csv`, `summary.csv`, `gates.csv` (RFC 4180, CRLF,
/// header first) and `run.json`. Same rows, same CSV bytes: nothing time- or machine-dependent
/// goes in a CSV.
public struct CSVReportWriter: ReportWriter {
    public var directory: URL

    public init(directory: URL) { self.directory = directory }

    public func write(_ report: RunReport) throws {
        for (file, data) in try Self.files(report) {
            try OutputFile.write(data, to: directory.appendingPathComponent(file))
        }
    }

    /// The folder's files by name, as bytes.
    public static func files(_ report: RunReport) throws -> [(name: String, data: Data)] {
        [
            (ReportSchema.turnsFile, try csv(ReportSchema.turnColumns, report.turns.map(\.csvFields))),
            (ReportSchema.stagesFile, try csv(ReportSchema.stageColumns, report.stages.map(\.csvFields))),
            (ReportSchema.summaryFile, try csv(ReportSchema.summaryColumns, report.summary.rows.map(\.csvFields))),
            (ReportSchema.gatesFile, try csv(ReportSchema.gateColumns, report.results.map { $0.csvFields(runID: report.info.runID) })),
            (ReportSchema.runFile, try report.info.json()),
        ]
    }

    static func csv(_ header: [String], _ rows: [[String]]) throws -> Data {
        let stream = OutputStream.toMemory()
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        try writer.write(row: header)
        for row in rows { try writer.write(row: row) }
        writer.stream.close()
        guard var data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data else {
            throw CSVError.cannotWriteStream
        }
        // CSV.swift separates records; a final line break keeps the file a POSIX text file.
        data.append(contentsOf: [0x0D, 0x0A])
        return data
    }
}
