import EarshotCore
import Testing

@Suite struct DeterminismTests {
    static let scenario = Synthetic.scenario(totalMs: 9000, turns: [(.turn, 1000, 2000), (.turn, 5000, 6000)])
    static let random = TestPipelines.cascade(
        stt: .logNormal(median: .milliseconds(120), sigma: 0.5),
        llm: .normal(mean: .milliseconds(300), standardDeviation: .milliseconds(80)),
        tts: .uniform(.milliseconds(40), .milliseconds(90)))

    static func run(_ pipeline: Pipeline, seed: UInt64, sessions: Int = 4) throws -> [TurnResult] {
        var config = RunConfiguration()
        config.seed = seed
        config.sessionsPerScenario = sessions
        return try VirtualRuntime(pipeline: pipeline, scenarios: [scenario], configuration: config).run().turns
    }

    @Test func sameSeedSameResults() throws {
        let a = try Self.run(Self.random, seed: 7)
        let b = try Self.run(Self.random, seed: 7)
        #expect(a == b)
        #expect(Set(a.compactMap(\.voiceToVoice)).count > 1, "random stages should vary across sessions and turns")
    }

    @Test func differentSeedDifferentResults() throws {
        #expect(try Self.run(Self.random, seed: 7) != Self.run(Self.random, seed: 8))
    }

    /// Streams split by stage name: a stage added to the chain leaves every other stage's draws as they were.
    @Test func addingAStageLeavesOtherDrawsAlone() throws {
        var steps = Self.random.steps
        steps.insert(.stage(StageSpec("pass") { PassThrough() }), at: 1)
        let a = try Self.run(Self.random, seed: 3)
        let b = try Self.run(Pipeline(name: Self.random.name, steps: steps), seed: 3)
        #expect(a == b)
    }

    @Test func sessionCountDoesNotChangeASessionsDraws() throws {
        let few = try Self.run(Self.random, seed: 5, sessions: 2)
        let many = try Self.run(Self.random, seed: 5, sessions: 50)
        #expect(few == Array(many.prefix(few.count)))
    }
}

@Suite struct ShardTests {
    /// Shards play disjoint, contiguous blocks of sessions that together make the whole run, and
    /// each session measures the same as it does in the whole run.
    @Test(arguments: [1, 3, 4, 7])
    func shardsTogetherAreTheWholeRun(count: Int) throws {
        var config = RunConfiguration()
        config.seed = 11
        config.sessionsPerScenario = 5
        let scenarios = [DeterminismTests.scenario, Synthetic.scenario(name: "b", totalMs: 4000, turns: [(.turn, 500, 1500)])]
        let whole = try VirtualRuntime(pipeline: DeterminismTests.random, scenarios: scenarios, configuration: config).run().turns
        var parts: [TurnResult] = []
        for i in 0..<count {
            let shard = config.shard(i, of: count, scenarioCount: scenarios.count)
            parts += try VirtualRuntime(pipeline: DeterminismTests.random, scenarios: scenarios, configuration: shard).run().turns
        }
        #expect(parts.count == whole.count)
        #expect(parts == whole)
    }
}
