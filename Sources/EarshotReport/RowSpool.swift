import EarshotCore
import Foundation

/// `turns.csv` and `stages.csv` written while a run goes. Each design's rows go to part files of
/// their own as its sessions finish; `finish` joins them under one header in report order
/// (design, then session and turn), byte for byte the tables `CSVReportWriter` writes from rows
/// in memory. Memory holds the summary's tally and a bounded sample of rows — every row up to
/// `rowsKept`, then failed turns only — never the whole run; if the process dies, what finished
/// is in the part files.
///
/// Not thread-safe: one caller at a time (the virtual runtime hands over one batch at a time).
public final class RowSpool: @unchecked Sendable {
    /// Turn rows (and stage rows) kept in memory for the writers that draw or list them.
    public static let rowsKept = 100_000
    /// Failed turns kept past `rowsKept`, so every report can still name what failed.
    public static let failuresKept = 1_000

    let directory: URL
    let runID: String
    let budget: Duration?
    private var parts: [String: Part] = [:]

    private struct Part {
        var turns: FileHandle
        var stages: FileHandle
        var urls: [URL]
    }
    private(set) var tally = SummaryTally()
    private(set) var kept: [TurnRow] = []
    private(set) var keptStages: [StageRow] = []
    public private(set) var turnCount = 0
    private(set) var stageCount = 0
    private(set) var scenarios = Set<String>()
    private var failuresKeptPast = 0

    public init(directory: URL, runID: String, budget: Duration?) throws {
        self.directory = directory
        self.runID = runID
        self.budget = budget
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw InputError(file: directory.relativePath, "cannot write: \(SystemErrorText.describe(error))")
        }
    }

    deinit {
        for p in parts.values { try? p.turns.close(); try? p.stages.close() }
    }

    public func append(design: String, _ results: SessionResults) throws {
        let turns = results.turns.map { TurnRow($0, runID: runID, budget: budget) }
        let stages = results.stages.map { StageRow($0, runID: runID) }
        let files = try part(design)
        do {
            try files.turns.write(contentsOf: CSVText.encode(turns.map(\.csvFields), quoted: ReportSchema.quoted(ReportSchema.turnColumns)))
            try files.stages.write(contentsOf: CSVText.encode(stages.map(\.csvFields), quoted: ReportSchema.quoted(ReportSchema.stageColumns)))
        } catch {
            throw InputError(file: directory.relativePath, "cannot write: \(SystemErrorText.describe(error))")
        }
        for t in turns {
            tally.add(t)
            scenarios.insert(t.scenario)
            if turnCount < Self.rowsKept {
                kept.append(t)
            } else if t.outcome == .failed, failuresKeptPast < Self.failuresKept {
                kept.append(t)
                failuresKeptPast += 1
            }
            turnCount += 1
        }
        for s in stages {
            if stageCount < Self.rowsKept { keptStages.append(s) }
            stageCount += 1
        }
    }

    /// Joins the parts into `turns.csv` and `stages.csv` (designs in name order, as reports order
    /// them) and removes them.
    public func finish() throws {
        for p in parts.values { try? p.turns.close(); try? p.stages.close() }
        let ordered = parts.keys.sorted().map { parts[$0]!.urls }
        parts = [:]
        for (file, columns, which) in [(ReportSchema.turnsFile, ReportSchema.turnColumns, 0),
                                       (ReportSchema.stagesFile, ReportSchema.stageColumns, 1)] {
            let target = directory.appendingPathComponent(file)
            do {
                try Data(CSVText.encode([columns])).write(to: target)
                let out = try FileHandle(forWritingTo: target)
                defer { try? out.close() }
                try out.seekToEnd()
                for urls in ordered {
                    let part = urls[which]
                    let input = try FileHandle(forReadingFrom: part)
                    while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { try out.write(contentsOf: chunk) }
                    try input.close()
                    try FileManager.default.removeItem(at: part)
                }
            } catch {
                throw InputError(file: target.relativePath, "cannot write: \(SystemErrorText.describe(error))")
            }
        }
    }

    private func part(_ design: String) throws -> Part {
        if let p = parts[design] { return p }
        do {
            // Numbered, not named: a design's name may hold any character.
            let urls = ["turns", "stages"].map { directory.appendingPathComponent(".\($0)-\(parts.count).part.csv") }
            let handles = try urls.map { url in
                try Data().write(to: url)
                return try FileHandle(forWritingTo: url)
            }
            let p = Part(turns: handles[0], stages: handles[1], urls: urls)
            parts[design] = p
            return p
        } catch {
            throw InputError(file: directory.relativePath, "cannot write: \(SystemErrorText.describe(error))")
        }
    }
}
