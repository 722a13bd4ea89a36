import Foundation
import Testing

/// Thresholds from `--gate` and `--gates FILE`, and `check --baseline` as a gate of its own,
/// reached the way CI reaches them.
@Suite struct GateCLITests {
    /// An echo `ms` late, named `name`: over a 300 ms budget by seconds, and slower the later it is.
    static func echoRun(_ folder: String, name: String = "late-echo", delay ms: Int, extra: [String] = []) throws -> CLI.Result {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let pipeline = "\(folder)/\(name)-\(ms).yaml"
        try "name: \(name)\nstages:\n  - {stage: delay, delay: \(ms)}\n".write(toFile: pipeline, atomically: true, encoding: .utf8)
        return try CLI.run(["run", "--pipeline", pipeline, "--scenario", "basic-qa", "--out", "\(folder)/out-\(name)-\(ms)", "--quiet"] + extra)
    }

    /// The output with the table's alignment undone: cells two spaces apart, as `GateResult` joins them.
    static func unaligned(_ r: CLI.Result) -> String {
        r.stdout.replacingOccurrences(of: " {2,}", with: "  ", options: .regularExpression)
    }

    /// gates.csv's lines from `design` on: the version and run id that lead each row are another test's business.
    static func gatesCSV(_ out: String) throws -> [String] {
        try String(contentsOfFile: "\(out)/gates.csv", encoding: .utf8).split(whereSeparator: \.isNewline)
            .map { $0.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false).last.map(String.init) ?? "" }
    }

    /// The library read `response_rate:0.95`; the command line refused every rate. Now rates and
    /// segments gate from the flag, and the default no-failed-turns gate stays beside them.
    @Test func runGatesRatesAndSegmentsFromTheFlag() throws {
        let folder = CLI.temporaryFolder()
        let r = try Self.echoRun(folder, delay: 5000, extra: ["--gate", "response_rate>=0.95", "--gate", "voice_to_voice:p99<=60000",
                                                              "--gate", "response_rate:0.5@late-echo"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let gates = try Self.gatesCSV("\(folder)/out-late-echo-5000")
        #expect(gates.count == 5, "\(gates)")
        #expect(gates[1].hasPrefix("late-echo,response_rate,budget,,1.000000,0.950000,"))
        #expect(gates[2].hasPrefix("late-echo,voice_to_voice_ms,budget,p99,"))
        #expect(gates[3].hasPrefix("late-echo,response_rate,budget,,1.000000,0.500000,"))
        #expect(gates[4].hasPrefix("late-echo,failed_rate,budget,,0.000000,0.000000,"))
    }

    /// A gates file is a YAML list in the flag's form; the file's gates come first.
    @Test func aGatesFileIsRead() throws {
        let folder = CLI.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "# CI thresholds\n- voice_to_voice:p95<=60000\n- missed_rate<=0.25\n- \"talked_over_rate<=0@late-echo\"\n"
            .write(toFile: "\(folder)/gates.yaml", atomically: true, encoding: .utf8)
        let r = try Self.echoRun(folder, delay: 5000, extra: ["--gates", "\(folder)/gates.yaml", "--gate", "playout:p50<=100"])
        // The echo's reply is all playout, seconds of it: that gate fails; the file's pass.
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let metrics = try Self.gatesCSV("\(folder)/out-late-echo-5000").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[1] }
        #expect(metrics == ["voice_to_voice_ms", "missed_rate", "talked_over_rate", "playout_ms", "failed_rate"])
        let own = try CLI.run(["check", "\(folder)/out-late-echo-5000"])
        #expect(own.status == 1)
        #expect(Self.unaligned(own).contains("late-echo  playout_ms  p50  2560.000  budget 100.000  FAIL (+2460.000)"), "\(own.stdout)")
        // check keeps the run's gates and replaces the one it is given anew.
        let check = try CLI.run(["check", "\(folder)/out-late-echo-5000", "--gate", "playout:p50<=5000"])
        #expect(check.status == 0, "\(check.stdout)")
    }

    @Test(arguments: [
        (["--gate", "response_rate<=0.95"], #"--gate: gate "response_rate<=0.95": response_rate is better larger: write response_rate>=value"#),
        (["--gate", "endpoint<=200"], #"--gate: gate "endpoint<=200": endpoint_ms needs a percentile"#),
        (["--gate", "p42"], #"--gate: gate "p42": unknown metric "p42""#),
        (["--gates", "GATES"], #"gates.yaml:3: gate "missed_rate<=2": missed_rate takes a fraction between 0 and 1"#),
        (["--gates", "NOFILE"], "nope.yaml: cannot read the gates file (--gates)"),
    ])
    func aBadGateIsTwoAndSaysWhereAndWhat(arguments: [String], message: String) throws {
        let folder = CLI.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "- voice_to_voice:p95<=300\n- failed_rate==0\n- missed_rate<=2\n".write(toFile: "\(folder)/gates.yaml", atomically: true, encoding: .utf8)
        let given = arguments.map { $0 == "GATES" ? "\(folder)/gates.yaml" : $0 == "NOFILE" ? "\(folder)/nope.yaml" : $0 }
        let r = try CLI.run(["run", "--pipeline", "passthrough-4", "--scenario", "basic-qa", "--out", "\(folder)/out"] + given)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/out"), "a refused command writes nothing")
    }

    /// The old `check --baseline` applied the run's 300 ms budget again and exited 1 on a run that
    /// had not moved. Now it is a regression gate alone, unless --budget-ms asks for the budget.
    @Test func checkAgainstABaselineIsARegressionGateOnly() throws {
        let folder = CLI.temporaryFolder()
        #expect(try Self.echoRun(folder, delay: 5000).status == 1, "over budget by seconds")
        let out = "\(folder)/out-late-echo-5000", base = "\(folder)/base.csv"
        let write = try CLI.run(["baseline", out, "--out", base])
        #expect(write.status == 0, "\(write.stderr)")
        #expect(try String(contentsOfFile: base, encoding: .utf8) == String(contentsOfFile: "\(out)/summary.csv", encoding: .utf8))

        let same = try CLI.run(["check", out, "--baseline", base, "--min-samples", "1"])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        let lines = same.stdout.split(separator: "\n").filter { $0.hasPrefix("late-echo  ") && $0.contains("  regression: ") }
        #expect(lines.count >= 6, "every metric and rate is compared: \(same.stdout)")
        #expect(!same.stdout.contains("budget 300.000"))
        #expect(same.stdout.contains("PASS: ") && same.stdout.contains(" checks passed, no regression against the baseline (1 design, 4 turns)"))

        let asked = try CLI.run(["check", out, "--baseline", base, "--min-samples", "1", "--budget-ms", "300"])
        #expect(asked.status == 1)
        #expect(Self.unaligned(asked).contains("late-echo  voice_to_voice_ms  p95  3730.000  budget 300.000  FAIL (+3430.000)"))

        // Four turns are under the default floor of 10 samples: skipped, with the reason.
        let few = try CLI.run(["check", out, "--baseline", base])
        #expect(few.status == 0)
        #expect(few.stdout.contains("skipped: 4 value(s) in the run, 4 in the baseline, fewer than --min-samples 10"))
    }

    /// A second later is a regression (exit 1); a second sooner is an improvement that names the
    /// command to refresh the baseline (exit 0); a wide enough per-metric tolerance lets the slower one pass.
    @Test func regressionsAndImprovementsBothShow() throws {
        let folder = CLI.temporaryFolder()
        _ = try Self.echoRun(folder, delay: 5000)
        _ = try Self.echoRun(folder, delay: 4000)
        let slow = "\(folder)/out-late-echo-5000", fast = "\(folder)/out-late-echo-4000", base = "\(folder)/base.csv"
        #expect(try CLI.run(["baseline", fast, "--out", base]).status == 0)

        let worse = try CLI.run(["check", slow, "--baseline", base, "--min-samples", "1"])
        #expect(worse.status == 1, "\(worse.stdout)")
        #expect(worse.stdout.contains("; first: late-echo voice_to_voice_ms p50 (regression)"))
        #expect(Self.unaligned(worse).contains("late-echo  voice_to_voice_ms  p50  2560.000  regression: baseline 1560.000 +64.1%  limit 1716.000 (+10%)  FAIL (+1000.000)"))

        let loose = try CLI.run(["check", slow, "--baseline", base, "--min-samples", "1", "--tolerance", "voice_to_voice=100", "--tolerance", "playout=100"])
        #expect(loose.status == 0, "\(loose.stdout)")
        let narrow = try CLI.run(["check", slow, "--baseline", base, "--min-samples", "1", "--metric", "response_rate", "--metric", "failed_rate"])
        #expect(narrow.status == 0, "only the rates, which held: \(narrow.stdout)")
        #expect(narrow.stdout.contains("PASS: 2 checks passed, no regression against the baseline"), "\(narrow.stdout)")

        try FileManager.default.removeItem(atPath: base)
        #expect(try CLI.run(["baseline", slow, "--out", base]).status == 0)
        let better = try CLI.run(["check", fast, "--baseline", base, "--min-samples", "1"])
        #expect(better.status == 0, "\(better.stdout)")
        #expect(better.stdout.contains("pass: faster than the baseline by "))
        #expect(better.stdout.contains("%: refresh it with `earshot baseline \(fast) --out \(base)`"))
    }

    /// The baseline's design is gone from the run (fails); the run's is new (reported).
    @Test func designsOnOneSideOnly() throws {
        let folder = CLI.temporaryFolder()
        _ = try Self.echoRun(folder, name: "old-echo", delay: 5000)
        _ = try Self.echoRun(folder, name: "new-echo", delay: 5000)
        let base = "\(folder)/base.csv"
        #expect(try CLI.run(["baseline", "\(folder)/out-old-echo-5000", "--out", base]).status == 0)
        let r = try CLI.run(["check", "\(folder)/out-new-echo-5000", "--baseline", base, "--min-samples", "1"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("pass: new design: not in the baseline, reported, not gated"))
        #expect(Self.unaligned(r).contains("old-echo  voice_to_voice_ms  p50  -  regression: baseline 2560.000  FAIL (no values): in the baseline but missing from the run"))
    }

    @Test func aToleranceWithoutABaselineIsTwo() throws {
        let r = try CLI.run(["check", CLI.root.appendingPathComponent("Tests/HostileCorpus/runs/good").path, "--tolerance", "5%"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--tolerance and --metric compare against a baseline: give --baseline FILE too"), "\(r.stderr)")
    }

    @Test(arguments: [
        (["--tolerance", "endpoint2=20"], #"--tolerance endpoint2=20: unknown metric "endpoint2""#),
        (["--tolerance", "endpoint=-1"], "--tolerance must be a percentage from 0% to 1000%"),
        (["--min-samples", "0"], "--min-samples must be at least 1"),
        (["--metric", "latency"], "--metric latency: unknown metric"),
    ])
    func badCheckOptionsAreTwo(arguments: [String], message: String) throws {
        let good = CLI.root.appendingPathComponent("Tests/HostileCorpus/runs/good").path
        let r = try CLI.run(["check", good, "--baseline", CLI.root.appendingPathComponent("Tests/HostileCorpus/baselines/good.csv").path] + arguments)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }
}
