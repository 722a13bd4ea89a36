@testable import earshot
import EarshotCore
import EarshotTestSupport
import Foundation
import Testing

/// Every exit code CI relies on, reached the way CI reaches it.
@Suite struct ExitCodeTests {
    @Test func withinBudgetIsZero() throws {
        let out = CLI.temporaryFolder()
        let r = try CLI.run(["run", "--pipeline", "duplex-gradium", "--scenario", "basic-qa", "--out", out, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("PASS"))
        for file in ["turns.csv", "stages.csv", "summary.csv", "run.json"] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(file)"))
        }
    }

    /// An echo 5 s late starts after the user has finished (every fixture utterance is shorter),
    /// so voice-to-voice is seconds: over a 300 ms budget. `check` re-gates the same folder.
    @Test func overBudgetIsOne() throws {
        let folder = CLI.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let pipeline = "\(folder)/late-echo.yaml"
        try "name: late-echo\nstages:\n  - {stage: delay, delay: 5000}\n".write(toFile: pipeline, atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", "--pipeline", pipeline, "--scenario", "basic-qa", "--out", "\(folder)/out"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("FAIL"))
        #expect(try CLI.run(["check", "\(folder)/out"]).status == 1)
        #expect(try CLI.run(["check", "\(folder)/out", "--budget-ms", "60000"]).status == 0)
    }

    @Test(arguments: [
        (["run", "--pipeline", "no-such-preset"], "unknown pipeline 'no-such-preset'"),
        (["run", "--pipeline", "passthrough-4", "--gate", "p42"], #"--gate: gate "p42": unknown metric "p42""#),
        (["run", "--pipeline", "passthrough-4", "--shard", "3/2"], "--shard must be i/n"),
        (["run", "--pipeline", "missing.yaml"], "missing.yaml: cannot read the pipeline file"),
        (["run", "--pipeline", "passthrough-4", "--scenario", "nope"], "unknown scenario 'nope'"),
        (["check", "/nonexistent-folder"], "/nonexistent-folder"),
        (["frobnicate"], "Unexpected argument 'frobnicate'"),
        (["run", "--pipeline", "passthrough-4", "--ramp", "5"], "--ramp is a load on a real agent or engine: it needs --mode realtime"),
        (["run", "--pipeline", "passthrough-4", "--ramp", "0", "--mode", "realtime"], "--ramp must be > 0 and at most 1000"),
    ])
    func badUsageIsTwoWithOneClearLine(arguments: [String], message: String) throws {
        let r = try CLI.run(arguments)
        #expect(r.status == 2, "\(arguments): \(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"), "\(r.stderr)")
    }

    /// An agent behind a socket runs on the wall clock: a virtual run of it is refused before any call, in one line.
    @Test func anAgentConnectorInVirtualTimeIsTwo() throws {
        let folder = CLI.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pipeline = "\(folder)/agent.yaml"
        try "name: my-agent\nstages:\n  - {stage: agent-twilio, url: \"ws://127.0.0.1:9/ws\"}\n".write(toFile: pipeline, atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", "--pipeline", pipeline, "--scenario", "basic-qa", "--out", "\(folder)/out"])
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").first == "earshot: my-agent: agent-twilio talks to a real agent, which runs on the wall clock: run it with --mode realtime", "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/out"))
    }

    /// A token read from the environment into the URL's query and a header goes to the agent and
    /// nowhere else: not the terminal, not a report file, not a failure reason.
    @Test func anAgentsTokenIsWrittenNowhere() throws {
        let folder = CLI.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let secret = "tok-\(UUID().uuidString)"
        setenv("EARSHOT_TEST_AGENT_TOKEN", secret, 1)
        let pipeline = "\(folder)/agent.yaml"
        // Port 9 (discard) refuses: every turn fails, and its reason is written out.
        try """
            name: my-agent
            stages:
              - stage: agent-twilio
                url: ws://127.0.0.1:9/ws?token=$EARSHOT_TEST_AGENT_TOKEN
                headers: {Authorization: "Bearer $EARSHOT_TEST_AGENT_TOKEN"}
                custom_parameters: {token: $EARSHOT_TEST_AGENT_TOKEN}
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let out = "\(folder)/out"
        let r = try CLI.run(["run", "--pipeline", pipeline, "--scenario", "basic-qa", "--mode", "realtime", "--out", out,
                             "--html", "\(folder)/r.html", "--junit", "\(folder)/j.xml", "--markdown", "\(folder)/r.md"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let turns = try String(contentsOfFile: "\(out)/turns.csv", encoding: .utf8)
        #expect(turns.contains("cannot connect to 127.0.0.1:9"), "\(turns)")
        var written = r.stdout + r.stderr
        for file in try FileManager.default.subpathsOfDirectory(atPath: folder) where !file.hasSuffix(".yaml") {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(folder)/\(file)", isDirectory: &isDirectory), !isDirectory.boolValue {
                written += try String(contentsOfFile: "\(folder)/\(file)", encoding: .utf8)
            }
        }
        #expect(!written.contains(secret))
    }

    /// A plug-in command that names a folder, or a file that cannot run, is bad input said as such.
    @Test func aPluginCommandThatCannotRunIsTwo() throws {
        let folder = CLI.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "print('hi')\n".write(toFile: "\(folder)/plugin.py", atomically: true, encoding: .utf8)
        for (command, why) in [(folder, "it is a folder, not a program"), ("\(folder)/plugin.py", "it is not executable")] {
            let pipeline = "\(folder)/plugin.yaml"
            try "name: plugin\nstages:\n  - stage: process\n    command: \(command)\n".write(toFile: pipeline, atomically: true, encoding: .utf8)
            let r = try CLI.run(["run", "--pipeline", pipeline, "--scenario", "basic-qa", "--out", "\(folder)/out"])
            #expect(r.status == 2, "\(r.stderr)")
            #expect(r.stderr.contains("plugin.yaml:3: stage 'process': cannot start '\(command)': \(why)"), "\(r.stderr)")
        }
    }

    /// A plug-in behind a shell wrapper that leaves a background job running: once earshot has
    /// exited, no wrapper's job is left, whether the run went through or a later stage was bad input.
    @Test func noGrandchildOutlivesTheRun() throws {
        let folder = CLI.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let pids = "\(folder)/pids"
        try "#!/bin/sh\nsleep 1000 &\necho $! >> '\(pids)'\npython3 Scripts/stages/passthrough.py\n"
            .write(toFile: "\(folder)/wrapper.sh", atomically: true, encoding: .utf8)
        let stage = "  - {stage: process, command: /bin/sh, args: \(folder)/wrapper.sh}\n"
        let good = "name: wrapped\nstages:\n" + stage
        let bad = good + "  - {stage: no-such-stage}\n"
        for (name, yaml, statuses) in [("good", good, [Int32(0), 1]), ("bad", bad, [2])] {
            try? FileManager.default.removeItem(atPath: pids)
            try yaml.write(toFile: "\(folder)/\(name).yaml", atomically: true, encoding: .utf8)
            let r = try CLI.run(["run", "--pipeline", "\(folder)/\(name).yaml", "--scenario", "basic-qa", "--out", "\(folder)/out-\(name)", "--quiet", "--budget-ms", "60000"])
            #expect(statuses.contains(r.status), "\(name): \(r.stderr)")
            let started = try String(contentsOfFile: pids, encoding: .utf8).split(separator: "\n").compactMap { pid_t($0) }
            #expect(!started.isEmpty)
            for pid in started {
                #expect(processGone(pid), "\(name): sleep \(pid) outlived earshot")
            }
        }
    }

    @Test func harnessFailureIsThree() {
        struct EngineDied: Error {}
        #expect(Earshot.report(HarnessFailure(message: "x")) == 3)
        #expect(Earshot.report(EngineDied()) == 3)
        #expect(Earshot.report(InputError(file: "a.yaml", line: 3, "bad")) == 2)
    }
}
