import Foundation
import Testing

/// Every case of `Tests/HostileCorpus/cases.tsv`, run through the built binary as a user would:
/// the exit status and message it promises, in seconds, with no crash, and nothing written when
/// the input is refused.
@Suite struct HostileCorpusTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var line: Int
        var status: Int32
        var message: String
        var arguments: [String]
        var testDescription: String { "cases.tsv:\(line) \(arguments.prefix(3).joined(separator: " "))" }
    }

    static let corpus = CLI.root.appendingPathComponent("Tests/HostileCorpus")

    static var cases: [Case] {
        let text = (try? String(contentsOf: corpus.appendingPathComponent("cases.tsv"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { i, line in
            guard !line.hasPrefix("#"), !line.isEmpty else { return nil }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count == 3, let status = Int32(columns[0]) else { return Case(line: i + 1, status: -1, message: "", arguments: []) }
            return Case(line: i + 1, status: status, message: String(columns[1]),
                        arguments: columns[2].split(separator: " ").map(String.init))
        }
    }

    @Test func theCorpusIsThere() {
        #expect(Self.cases.count >= 80)
        #expect(Self.cases.allSatisfy { $0.status >= 0 }, "a malformed line in cases.tsv")
    }

    @Test(arguments: cases)
    func hostileInputGetsItsAnswer(_ c: Case) throws {
        let tmp = URL(fileURLWithPath: CLI.temporaryFolder(), isDirectory: true)
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        // Pipelines that name a script or program of the repository say {repo}/{corpus} inside;
        // they run from a copy with the places filled in, made outside the working folder.
        let prepared = URL(fileURLWithPath: CLI.temporaryFolder(), isDirectory: true)
        try FileManager.default.createDirectory(at: prepared, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: prepared) }
        func fill(_ text: String) -> String {
            text.replacingOccurrences(of: "{corpus}", with: Self.corpus.path)
                .replacingOccurrences(of: "{repo}", with: CLI.root.path)
                .replacingOccurrences(of: "{tmp}", with: tmp.path)
        }
        let arguments = try c.arguments.map { argument -> String in
            let path = fill(argument)
            guard path.hasSuffix(".yaml"), let text = try? String(contentsOfFile: path, encoding: .utf8),
                  text.contains("{repo}") || text.contains("{corpus}") else { return path }
            let copy = prepared.appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent)
            try fill(text).write(to: copy, atomically: true, encoding: .utf8)
            return copy.path
        }
        let r = try CLI.run(arguments, in: tmp, timeLimit: .seconds(60))
        #expect(!r.timedOut, "hung: \(arguments)")
        #expect(r.status == c.status, "\(arguments): \(r.stderr)\(r.stdout.suffix(300))")
        #expect(r.stderr.contains(c.message) || r.stdout.contains(c.message), "\(arguments): \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"), "\(r.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: tmp.path)
        if c.status == 2 {
            #expect(r.stderr.split(separator: "\n").count <= 3, "one clear line, got: \(r.stderr)")
            #expect(left.isEmpty, "refused input wrote \(left)")
        } else {
            // Nothing but the folders the command was told to write.
            #expect(left.allSatisfy { name in arguments.contains("\(tmp.path)/\(name)") }, "wrote \(left) outside --out")
        }
    }
}
