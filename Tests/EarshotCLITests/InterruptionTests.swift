import Foundation
import Testing

/// SIGINT and SIGTERM keep what finished: a valid folder `check` reads, run.json marked
/// `interrupted`, one line on stderr, exit 128 + the signal.
@Suite(.serialized) struct InterruptionTests {
    /// A virtual run stops at a batch boundary: every session in the folder is whole, and its rows
    /// are byte for byte those of an uninterrupted run of that many sessions.
    @Test func aVirtualRunKeepsWholeSessions() throws {
        let root = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Stopped once its first rows are on disk, however busy the machine is.
        // One run id for both runs: it is the only thing in the CSVs that differs from run to run.
        let r = try CLI.run(["run", "--pipeline", "passthrough-4", "--scenario", "basic-qa", "--sessions", "10000000",
                             "--out", "\(root)/cut", "--run-id", "cut", "--quiet"], signal: (SIGTERM, .seconds(1)),
                            signalWhen: { FileManager.default.fileExists(atPath: "\(root)/cut/.turns-0.part.csv")
                                && ((try? FileManager.default.attributesOfItem(atPath: "\(root)/cut/.turns-0.part.csv")[.size] as? Int) ?? 0) > 0 })
        #expect(r.status == 143, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("earshot: interrupted by SIGTERM"), "\(r.stderr)")
        let json = try String(contentsOfFile: "\(root)/cut/run.json", encoding: .utf8)
        #expect(json.contains("\"interrupted\" : true"))

        let cut = try String(contentsOfFile: "\(root)/cut/turns.csv", encoding: .utf8)
        let rows = cut.split(separator: "\r\n").count - 1
        #expect(rows > 0 && rows % 4 == 0, "basic-qa has four turns a session; got \(rows) rows")
        let sessions = rows / 4
        let whole = try CLI.run(["run", "--pipeline", "passthrough-4", "--scenario", "basic-qa", "--sessions", "\(sessions)",
                                 "--out", "\(root)/whole", "--run-id", "cut", "--quiet"])
        #expect(whole.status == 0 || whole.status == 1, "\(whole.stderr)")
        for file in ["turns.csv", "stages.csv", "summary.csv"] {
            let a = FileManager.default.contents(atPath: "\(root)/cut/\(file)")
            let b = FileManager.default.contents(atPath: "\(root)/whole/\(file)")
            #expect(a != nil && a == b, "\(file) differs from a whole run of \(sessions) sessions")
        }
        let check = try CLI.run(["check", "\(root)/cut"])
        #expect(check.status == 0 || check.status == 1, "\(check.stderr)")
    }

    /// A real-time run keeps the turns whose outcome can no longer change. basic-qa's turn 1 ends
    /// at 3.06 s and turn 2 starts at 8.06 s; turn 2 cannot be final before 15.63 s (its end plus
    /// the 5 s response timeout). Stopped 12 s after launch, the folder holds turn 1 alone.
    @Test func aRealTimeRunKeepsFinishedTurns() throws {
        let root = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try CLI.run(["run", "--pipeline", "duplex-gradium", "--scenario", "basic-qa", "--mode", "realtime",
                             "--out", "\(root)/cut", "--quiet"], signal: (SIGINT, .seconds(12)))
        #expect(r.status == 130, "\(r.stderr)")
        #expect(r.stderr.contains("earshot: interrupted by SIGINT: wrote the 1 turns that had finished"), "\(r.stderr)")
        let turns = try String(contentsOfFile: "\(root)/cut/turns.csv", encoding: .utf8).split(separator: "\r\n")
        #expect(turns.count == 2, "\(turns)")
        #expect(turns.last?.contains(",basic-qa,0,1,turn,responded,") == true, "\(turns)")
        let stages = try String(contentsOfFile: "\(root)/cut/stages.csv", encoding: .utf8).split(separator: "\r\n")
        #expect(stages.dropFirst().allSatisfy { $0.contains(",basic-qa,0,1,") }, "stage rows of unfinished turns: \(stages)")
        let check = try CLI.run(["check", "\(root)/cut"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    /// A second signal does not wait for anything: the first lets a virtual run end the batches it
    /// has started (seconds, with real engines), the second ends the process before it writes.
    @Test func aSecondSignalEndsAtOnce() throws {
        let root = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["run", "--pipeline", "cascade-local", "--scenario", "basic-qa", "--sessions", "100", "--out", "\(root)/cut", "--quiet"]
        p.currentDirectoryURL = CLI.root
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 2)
        kill(p.processIdentifier, SIGINT)
        Thread.sleep(forTimeInterval: 0.3)
        kill(p.processIdentifier, SIGINT)
        let second = Date()
        p.waitUntilExit()
        #expect(p.terminationStatus == 130)
        #expect(Date().timeIntervalSince(second) < 1)
        #expect(!FileManager.default.fileExists(atPath: "\(root)/cut/turns.csv"), "the second signal waited for the results")
    }
}
