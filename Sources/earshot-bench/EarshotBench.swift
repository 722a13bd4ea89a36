import ArgumentParser

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
}
