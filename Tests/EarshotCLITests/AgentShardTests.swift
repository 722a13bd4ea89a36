import EarshotWire
import Foundation
import Testing
import Yams

/// The recipes for calling an agent from many machines run as written: the Kubernetes Indexed Job
/// (docs/ci/earshot-indexed-job.yaml, earshot-merge-job.yaml) and the GitHub Actions matrix
/// (docs/ci/earshot-agent-load.yml), their shards as separate earshot processes at once against one
/// local agent, then merged. Fewer callers than the recipes name, the same commands.
@Suite(.serialized) struct AgentShardTests {
    static let docs = CLI.root.appendingPathComponent("docs/ci")
    /// Callers in all, one session per shard: each plays basic-qa (about 27 s) in real time.
    static let sessions = 4

    struct Missing: Error { var what: String }

    struct Container {
        var env: [String: String]
        var script: String
    }

    /// The one container of the Job named `job` in a manifest: its plain env values and its `sh -c` script.
    static func container(_ job: String, in file: String) throws -> (container: Container, completions: Int, configMaps: [String: String]) {
        let text = try String(contentsOf: docs.appendingPathComponent(file), encoding: .utf8)
        var configMaps: [String: String] = [:]
        for case let doc? in try Yams.load_all(yaml: text).map({ $0 as? [String: Any] }) {
            if doc["kind"] as? String == "ConfigMap", let data = doc["data"] as? [String: String] { configMaps.merge(data) { $1 } }
            guard doc["kind"] as? String == "Job", (doc["metadata"] as? [String: Any])?["name"] as? String == job,
                  let spec = doc["spec"] as? [String: Any],
                  let pod = (spec["template"] as? [String: Any])?["spec"] as? [String: Any],
                  let c = (pod["containers"] as? [[String: Any]])?.first,
                  let command = c["command"] as? [String], command.count == 3, command[0] == "sh", command[1] == "-c"
            else { continue }
            var env: [String: String] = [:]
            for e in c["env"] as? [[String: Any]] ?? [] { if let n = e["name"] as? String, let v = e["value"] as? String { env[n] = v } }
            return (Container(env: env, script: command[2]), spec["completions"] as? Int ?? 1, configMaps)
        }
        throw Missing(what: "no Job \(job) with one sh -c container in \(file)")
    }

    /// What every recipe must leave: one merged run holding every caller's turns, all answered.
    static func expectMerged(_ merged: URL, shards: Int, agent: LocalAgent) throws {
        let turns = try String(contentsOf: merged.appendingPathComponent("turns.csv"), encoding: .utf8)
            .split(separator: "\r\n").dropFirst()
        #expect(turns.count == sessions * 4, "basic-qa has 4 turns per caller")
        #expect(turns.allSatisfy { $0.contains(",responded,") }, "\(turns.filter { !$0.contains(",responded,") })")
        let run = try JSONSerialization.jsonObject(with: Data(contentsOf: merged.appendingPathComponent("run.json"))) as? [String: Any]
        #expect((run?["shards"] as? [Any])?.count == shards)
        #expect(agent.counts.connections == sessions)
    }

    static func agent() throws -> LocalAgent {
        var c = LocalAgent.Configuration(wire: .twilio)
        c.replyLength = .milliseconds(300)
        return try LocalAgent(c)
    }

    @Test func theIndexedJobsShardsAndMergeRunAsWritten() throws {
        let agent = try Self.agent()
        defer { agent.stop() }
        let (callers, completions, configMaps) = try Self.container("earshot-callers", in: "earshot-indexed-job.yaml")
        #expect(callers.script.contains("$((JOB_COMPLETION_INDEX + 1))/$SHARDS"))
        #expect(callers.env["SHARDS"] == String(completions))
        let work = URL(fileURLWithPath: CLI.temporaryFolder(), isDirectory: true)
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let pipeline = work.appendingPathComponent("agent-twilio.yaml")
        try #require(configMaps["agent-twilio.yaml"]).write(to: pipeline, atomically: true, encoding: .utf8)
        let env = callers.env.merging(["SESSIONS": String(Self.sessions), "RAMP": "20", "PIPELINE": pipeline.path, "RESULTS": work.path,
                                       "AGENT_URL": agent.url, "AGENT_TOKEN": "not-a-secret"]) { $1 }
        let shards = try CLI.shells((0..<completions).map { (callers.script, env.merging(["JOB_COMPLETION_INDEX": String($0)]) { $1 }) })
        for (i, r) in shards.enumerated() { #expect(r.status == 0, "pod \(i): \(r.stdout)") }

        let (merge, _, _) = try Self.container("earshot-merge", in: "earshot-merge-job.yaml")
        let merged = try CLI.shells([(merge.script, merge.env.merging(["RESULTS": work.path]) { $1 })])
        #expect(merged[0].status == 0 || merged[0].status == 1, "merge and check: \(merged[0].stdout)")
        try Self.expectMerged(work.appendingPathComponent("merged"), shards: completions, agent: agent)
    }

    @Test func theWorkflowsShardsAndMergeRunAsWritten() throws {
        let agent = try Self.agent()
        defer { agent.stop() }
        let recipe = CIRecipeTests.Recipe(try String(contentsOf: Self.docs.appendingPathComponent("earshot-agent-load.yml"), encoding: .utf8))
        #expect(recipe.jobs.map(\.name) == ["shard", "check"])
        #expect(recipe.env["SHARDS"] == String(recipe.matrix.count))
        let work = URL(fileURLWithPath: CLI.temporaryFolder(), isDirectory: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let fm = FileManager.default
        try fm.createDirectory(at: work.appendingPathComponent(".build/release"), withIntermediateDirectories: true)
        try fm.createSymbolicLink(at: work.appendingPathComponent(".build/release/earshot"), withDestinationURL: CLI.binary)
        try fm.createSymbolicLink(at: work.appendingPathComponent("AudioFixtures"), withDestinationURL: CLI.root.appendingPathComponent("AudioFixtures"))
        try fm.copyItem(at: Self.docs.appendingPathComponent("agent-twilio.yaml"), to: work.appendingPathComponent("agent-twilio.yaml"))
        let env = recipe.env.merging(["SESSIONS": String(Self.sessions), "RAMP": "20", "AGENT_URL": agent.url, "AGENT_TOKEN": "not-a-secret",
                                      "GITHUB_STEP_SUMMARY": work.appendingPathComponent("summary.md").path]) { $1 }
        for (job, commands) in recipe.jobs {
            for step in commands where !step.hasPrefix("swift build") {
                // The matrix's shards run at once, as the runners do.
                let values = job == "shard" ? recipe.matrix : [""]
                let commands = values.map { (step.replacingOccurrences(of: "${{ matrix.shard }}", with: $0), env) }
                for (command, _) in commands { #expect(!command.contains("${{"), "an expression the test does not know: \(command)") }
                for r in try CLI.shells(commands, shell: ["/bin/bash", "-e", "-c"], in: work) {
                    #expect(r.status == 0, "\(job): \(step)\n\(r.stdout)")
                }
            }
        }
        try Self.expectMerged(work.appendingPathComponent("merged"), shards: recipe.matrix.count, agent: agent)
    }
}
