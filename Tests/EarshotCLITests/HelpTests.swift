import Testing

/// Help text is documentation: every command teaches with an example, and enumerated options
/// list their values and default.
@Suite struct HelpTests {
    @Test(arguments: ["run", "compare", "check", "baseline", "merge", "report", "stages", "codec"])
    func everyCommandShowsAnExample(command: String) throws {
        let r = try CLI.run([command, "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Example:"), "\(command) --help: \(r.stdout)")
        #expect(r.stdout.contains("earshot \(command)"))
    }

    @Test func runListsItsChoicesAndDefaults() throws {
        // The help screen wraps at the terminal width: compare with the wrapping undone.
        let help = try CLI.run(["run", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("(values: virtual, realtime; default: virtual)"))
        #expect(help.contains("--gate <gate> A threshold, repeatable: metric:percentile<=ms or rate>=value / rate<=value"))
        #expect(help.contains("A bare p50|p90|p95|p99 is the percentile the budget reads (default p95)."))
        #expect(help.contains("--gates <gates> YAML file holding a list of thresholds"))
        #expect(help.contains("--budget-ms <budget-ms>"))
        #expect(help.contains("(default: 300.0)"))
    }
}
