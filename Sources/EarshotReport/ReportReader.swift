import EarshotCore
import Foundation

/// Reads an output folder back into a `RunReport`, so `earshot check`, `report` and `merge` work
/// without running again. Every problem is an `InputError` naming the file and, for CSV, the line.
public enum ReportReader {
    /// Reads `turns.csv`, `stages.csv` and `run.json` from `directory` and recomputes the summary
    /// and the gates `run.json` names (`summary.csv` and `gates.csv` are outputs, not inputs).
    public static func read(_ directory: URL, regressions: [Regression] = []) throws -> RunReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw InputError(file: directory.relativePath, "no such folder")
        }
        guard isDirectory.boolValue else {
            throw InputError(file: directory.relativePath, "not a folder: expected an earshot output folder (turns.csv, stages.csv, run.json)")
        }
        let runFile = directory.appendingPathComponent(ReportSchema.runFile)
        let info = try readInfo(runFile)
        let written = (try? JSONDecoder().decode(WrittenVersion.self, from: contents(of: runFile)).schema_version) ?? ReportSchema.version
        let turns = try table(directory.appendingPathComponent(ReportSchema.turnsFile), ReportSchema.turnColumns(version: written))
            .rows.map(TurnRow.init(record:))
        let stages = try table(directory.appendingPathComponent(ReportSchema.stagesFile), ReportSchema.stageColumns)
            .rows.map(StageRow.init(record:))
        if let rows = info.rows {
            for (file, want, got) in [(ReportSchema.turnsFile, rows.turns, turns.count), (ReportSchema.stagesFile, rows.stages, stages.count)] where want != got {
                throw InputError(file: directory.appendingPathComponent(file).relativePath,
                                 "holds \(got) rows but run.json says \(want): the table is cut short or was edited")
            }
        }
        return RunReport(info: info, turns: turns, stages: stages, regressions: regressions)
    }

    /// A `summary.csv`, e.g. a committed baseline.
    public static func readSummary(_ file: URL) throws -> Summary {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) else {
            throw InputError(file: file.relativePath, "no such file: expected a summary.csv (a baseline, or a run's own)")
        }
        if isDirectory.boolValue { throw InputError(file: file.relativePath, "a folder: expected a summary.csv file") }
        return Summary(rows: try table(file, ReportSchema.summaryColumns).rows.map(SummaryRow.init(record:)))
    }

    /// A `run.json`, checked for its schema version before anything else in it.
    public static func readInfo(_ file: URL) throws -> RunInfo {
        try info(from: try contents(of: file), name: file.relativePath)
    }

    /// The schema a `run.json` was written in.
    struct WrittenVersion: Decodable {
        var schema_version: Int?
    }

    /// A `run.json`'s bytes; `name` names it in errors.
    static func info(from data: Data, name: String) throws -> RunInfo {
        guard let version = try? JSONDecoder().decode(WrittenVersion.self, from: data) else {
            switch try? JSONSerialization.jsonObject(with: data) {
            case nil: throw InputError(file: name, "not valid JSON")
            case is [String: Any]: throw InputError(file: name, "schema_version must be a whole number")
            default: throw InputError(file: name, "not a JSON object")
            }
        }
        guard let v = version.schema_version else { throw InputError(file: name, "no schema_version: not an earshot run.json") }
        guard ReportSchema.readable.contains(v) else {
            throw InputError(file: name, "schema_version \(v) is not supported: this earshot reads \(ReportSchema.readableText)")
        }
        do {
            // What is read is written back (merge, report) in the current schema, and says so.
            var info = try JSONDecoder().decode(RunInfo.self, from: data)
            info.schemaVersion = ReportSchema.version
            return info
        } catch let error as DecodingError {
            throw InputError(file: name, describe(error))
        }
    }

    static func table(_ file: URL, _ columns: [String]) throws -> CSVTable {
        try CSVTable(file: file.relativePath, bytes: [UInt8](try contents(of: file)), columns: columns)
    }

    private static func contents(of file: URL) throws -> Data {
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw InputError(file: file.relativePath, "missing: an earshot output folder holds turns.csv, stages.csv and run.json")
        }
        do {
            return try Data(contentsOf: file)
        } catch {
            throw InputError(file: file.relativePath, "cannot read: \(error.localizedDescription)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        switch error {
        case .keyNotFound(let key, let c):
            let at = path(c)
            return "missing key \"\(key.stringValue)\"" + (at.isEmpty ? "" : " in \(at)")
        case .typeMismatch(let type, let c), .valueNotFound(let type, let c):
            return "\(path(c)): expected \(type)"
        case .dataCorrupted(let c):
            let at = path(c)
            return (at.isEmpty ? "" : "\(at): ") + c.debugDescription
        @unknown default:
            return "\(error)"
        }
    }
}
