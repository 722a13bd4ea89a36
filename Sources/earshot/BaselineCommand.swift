import ArgumentParser
import EarshotCore
import EarshotReport
import Foundation

extension Earshot {
    struct Baseline: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a run's summary.csv as the baseline that check --baseline compares against.",
            discussion: """
                The summary is recomputed from the run's turns.csv, so it is the run's, whatever \
                was edited in its summary.csv. Commit the file to make the new numbers the reference.

                Example:
                  earshot baseline out/ --out Reports/baseline/summary.csv
                """)

        @Argument(help: "Output folder of a run (turns.csv, stages.csv, run.json).")
        var folder: String

        @Option(help: "The baseline file to write (a summary.csv); replaced if it exists.")
        var out: String

        func run() throws {
            let file = URL(fileURLWithPath: out)
            try OutputFile.checkFile(file, option: "--out")
            let report = try ReportReader.read(URL(fileURLWithPath: folder, isDirectory: true))
            try CSVReportWriter.writeSummary(report, to: file)
            FileHandle.standardError.write(Data("earshot: wrote \(out): \(report.summary.rows.count) rows, \(report.designs.count) design(s) from \(folder)\n".utf8))
        }
    }
}
