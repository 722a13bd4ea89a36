import ArgumentParser
import Foundation

@main
struct EarshotBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "earshot-bench",
        abstract: "Measure Earshot's own costs: the runtime's overhead and the codec wrappers'.",
        discussion: """
            Each figure is measured on this run and printed beside its target; a CSV copy goes \
            under Reports/bench/. Benchmarks print numbers; they never fail a build.
            """,
        subcommands: [Harness.self, Realtime.self, Soak.self, Opus.self, Plugin.self, Callers.self, Agent.self])

    /// Bad input — an unknown flag, a bad value, a failed `validate()` — exits 2, as `earshot`'s does.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            guard exitCode(for: error).rawValue == 64 else { exit(withError: error) }
            FileHandle.standardError.write(Data("\(fullMessage(for: error))\n".utf8))
            Foundation.exit(2)
        }
    }
}
