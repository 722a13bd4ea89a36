import Foundation
import Testing

/// Report files as a CI step gets them.
@Suite struct ReportFileTests {
    /// `--markdown "$GITHUB_STEP_SUMMARY"` adds to what earlier steps wrote there, never replaces it.
    @Test func markdownAppends() throws {
        let root = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let summary = "\(root)/step-summary.md"
        try "earlier step\n".write(toFile: summary, atomically: true, encoding: .utf8)
        for name in ["a", "b"] {
            let r = try CLI.run(["run", "--pipeline", "duplex-gradium", "--scenario", "basic-qa", "--budget-ms", "10000", "--out", "\(root)/\(name)",
                                 "--markdown", summary, "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let text = try String(contentsOfFile: summary, encoding: .utf8)
        #expect(text.hasPrefix("earlier step\n## Earshot ✅ PASS"))
        #expect(text.components(separatedBy: "## Earshot ").count - 1 == 2)
    }
}
