@testable import earshot
import EarshotCore
import Foundation
import Testing

/// Each run names itself apart from every other, so rows gathered across CI runs can be told apart.
@Suite struct RunIDTests {
    static func runID(_ folder: String) throws -> String {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/run.json"))) as? [String: Any]
        return try #require(json?["run_id"] as? String)
    }

    static func turnRunIDs(_ folder: String) throws -> Set<String> {
        let lines = try String(contentsOfFile: "\(folder)/turns.csv", encoding: .utf8).split(separator: "\r\n").dropFirst()
        return Set(lines.map { String($0.split(separator: ",")[1]) })
    }

    @Test func everyRunHasItsOwnIDUnlessOneIsGiven() throws {
        let root = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var ids: [String] = []
        for name in ["a", "b"] {
            let r = try CLI.run(["run", "--pipeline", "duplex-gradium", "--scenario", "basic-qa", "--budget-ms", "10000", "--out", "\(root)/\(name)", "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
            ids.append(try Self.runID("\(root)/\(name)"))
            #expect(try Self.turnRunIDs("\(root)/\(name)") == [ids.last!], "each row carries the run's id")
        }
        #expect(ids[0] != ids[1])
        let fixed = try CLI.run(["run", "--pipeline", "duplex-gradium", "--scenario", "basic-qa", "--budget-ms", "10000", "--out", "\(root)/c", "--run-id", "nightly-42", "--quiet"])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(try Self.runID("\(root)/c") == "nightly-42")

        // Two runs' shards have two ids: the merge names itself, or takes the name it is given.
        let shards = ["1", "2"].map { "\(root)/shard-\($0)" }
        for (i, out) in shards.enumerated() {
            let r = try CLI.run(["run", "--pipeline", "duplex-gradium", "--scenario", "basic-qa", "--budget-ms", "10000", "--sessions", "2", "--shard", "\(i + 1)/2", "--out", out, "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let merged = try CLI.run(["merge"] + shards + ["--out", "\(root)/merged"])
        #expect(merged.status == 0, "\(merged.stderr)")
        let mergedID = try Self.runID("\(root)/merged")
        #expect(![try Self.runID(shards[0]), try Self.runID(shards[1])].contains(mergedID))
        let named = try CLI.run(["merge"] + shards + ["--out", "\(root)/named", "--run-id", "pr-7"])
        #expect(named.status == 0, "\(named.stderr)")
        #expect(try Self.runID("\(root)/named") == "pr-7")
        #expect(try CLI.run(["merge"] + shards + ["--out", "\(root)/bad", "--run-id", "a,b"]).status == 2)
    }

    /// Exit 3 with `--junit` leaves a JUnit file that says why; other exits leave none.
    @Test func harnessFailureWritesItsJUnitFile() throws {
        let root = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = "\(root)/junit.xml"
        struct EngineDied: Error, CustomStringConvertible { var description: String { "engine died" } }
        #expect(throws: EngineDied.self) { try Runner.reportingHarnessFailure(junit: file) { throw EngineDied() } }
        let xml = try String(contentsOfFile: file, encoding: .utf8)
        #expect(xml.contains(#"<error type="harness" message="engine died">"#))
        try FileManager.default.removeItem(atPath: file)
        #expect(throws: InputError.self) { try Runner.reportingHarnessFailure(junit: file) { throw InputError("bad") } }
        #expect(!FileManager.default.fileExists(atPath: file), "bad input is exit 2: no harness report")
    }
}
