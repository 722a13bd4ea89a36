import Foundation
import Testing

/// The CI recipe in docs/ci/earshot-latency.yml (the README points there) runs as written: each
/// `run:` line of its jobs, shards as local processes, in a folder laid out like a checkout with
/// the built binary where `swift build -c release` puts it. A workflow that drifts from the CLI
/// fails here, not in someone's CI.
@Suite struct CIRecipeTests {
    static let workflow = CLI.root.appendingPathComponent("docs/ci/earshot-latency.yml")

    /// What the test needs of the workflow, read line by line (it keeps to one-line values).
    struct Recipe {
        var env: [String: String] = [:]
        var matrix: [String] = []
        /// Each job's `run:` commands, in order.
        var jobs: [(name: String, commands: [String])] = []

        init(_ text: String) {
            var section = ""
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                if !line.hasPrefix(" "), line.hasSuffix(":") { section = String(line.dropLast()); continue }
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if section == "env", let colon = trimmed.firstIndex(of: ":") {
                    env[String(trimmed[..<colon])] = trimmed[trimmed.index(after: colon)...]
                        .trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                } else if section == "jobs" {
                    if line.hasPrefix("  "), !line.hasPrefix("   "), trimmed.hasSuffix(":") {
                        jobs.append((String(trimmed.dropLast()), []))
                    } else if trimmed.hasPrefix("shard: ["), trimmed.hasSuffix("]") {
                        matrix = trimmed.dropFirst("shard: [".count).dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    } else if trimmed.hasPrefix("run: ") || trimmed.hasPrefix("- run: ") {
                        jobs[jobs.count - 1].commands.append(String(trimmed[trimmed.range(of: "run: ")!.upperBound...]))
                    }
                }
            }
        }
    }

    @Test func theWorkflowRunsAsWritten() throws {
        let recipe = Recipe(try String(contentsOf: Self.workflow, encoding: .utf8))
        #expect(recipe.jobs.map(\.name) == ["shard", "check"])
        #expect(recipe.matrix.count >= 2, "shards run as a matrix: \(recipe.matrix)")
        #expect(recipe.env["SESSIONS"] != nil && recipe.env["SHARDS"] == String(recipe.matrix.count))

        // A checkout: the binary where the build step leaves it, the fixtures and the baseline.
        let work = URL(fileURLWithPath: CLI.temporaryFolder(), isDirectory: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let fm = FileManager.default
        try fm.createDirectory(at: work.appendingPathComponent(".build/release"), withIntermediateDirectories: true)
        try fm.createDirectory(at: work.appendingPathComponent("Reports"), withIntermediateDirectories: true)
        try fm.createSymbolicLink(at: work.appendingPathComponent(".build/release/earshot"), withDestinationURL: CLI.binary)
        for path in ["AudioFixtures", "Reports/baseline"] {
            try fm.createSymbolicLink(at: work.appendingPathComponent(path), withDestinationURL: CLI.root.appendingPathComponent(path))
        }
        let summary = work.appendingPathComponent("step-summary.md")
        try "earlier step\n".write(to: summary, atomically: true, encoding: .utf8)
        let env = recipe.env.merging(["GITHUB_STEP_SUMMARY": summary.path]) { $1 }

        for (job, commands) in recipe.jobs {
            // The build has been done: the binary under test is the one built with the tests.
            let steps = commands.filter { !$0.hasPrefix("swift build") }
            #expect(!steps.isEmpty, "\(job) runs earshot")
            for value in job == "shard" ? recipe.matrix : [""] {
                for step in steps {
                    let command = step.replacingOccurrences(of: "${{ matrix.shard }}", with: value)
                    #expect(!command.contains("${{"), "an expression the test does not know: \(command)")
                    let r = try CLI.shells([(command, env)], shell: ["/bin/bash", "-e", "-c"], in: work)[0]
                    #expect(r.status == 0, "\(job) \(value): \(command)\n\(r.stdout)")
                }
            }
        }

        // The merge has every shard, under a run id of its own, with ISO 8601 start times.
        let run = try JSONSerialization.jsonObject(with: Data(contentsOf: work.appendingPathComponent("merged/run.json"))) as? [String: Any]
        let shards = run?["shards"] as? [[String: Any]] ?? []
        #expect(shards.count == recipe.matrix.count)
        #expect(shards.allSatisfy { ($0["started_at"] as? String)?.hasSuffix("Z") == true })
        #expect(!shards.contains { $0["run_id"] as? String == run?["run_id"] as? String })

        // JUnit has the budget and the baseline's regressions; the step summary kept what was there.
        let junit = try String(contentsOf: work.appendingPathComponent("earshot-junit.xml"), encoding: .utf8)
        for name in ["voice_to_voice_ms p95 budget", "voice_to_voice_ms p50 regression", "voice_to_voice_ms p95 regression"] {
            #expect(junit.contains("name=\"\(name)\""), "\(name)")
        }
        #expect(junit.contains("failures=\"0\""))
        let md = try String(contentsOf: summary, encoding: .utf8)
        #expect(md.hasPrefix("earlier step\n## Earshot ✅ PASS"))
    }
}
