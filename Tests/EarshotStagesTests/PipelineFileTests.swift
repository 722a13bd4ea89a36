import EarshotCore
import EarshotStages
import Testing

@Suite struct PipelineFileTests {
    @Test func presetsLoadByName() throws {
        #expect(Presets.names.contains("passthrough-4"))
        let file = try PipelineFile.load("passthrough-4")
        #expect(file.pipeline.name == "passthrough-4")
        #expect(file.pipeline.steps.count == 4)
    }

    @Test func distributionsInEveryForm() throws {
        let yaml = """
            name: d
            stages:
              - {stage: delay, id: a, delay: 150}
              - {stage: delay, id: b, delay: {uniform_ms: [40, 90]}}
              - {stage: delay, id: c, delay: {normal_ms: {mean: 300, sd: 80}}}
              - {stage: delay, id: d, delay: {lognormal_ms: {median: 350, sigma: 0.5}}, source: "assumed"}
              - {stage: delay, id: e, delay: {empirical_ms: [120, 135.5]}, kinds: audio}
            """
        let file = try PipelineFile.parse(yaml, file: "d.yaml")
        #expect(file.sources == ["d": "assumed"])
        let delays = file.pipeline.steps.compactMap { step -> DelayDistribution? in
            guard case .stage(let spec) = step, let s = try? spec.make() as? DelayStage else { return nil }
            return s.delay
        }
        #expect(delays == [
            .fixed(.milliseconds(150)), .uniform(.milliseconds(40), .milliseconds(90)),
            .normal(mean: .milliseconds(300), standardDeviation: .milliseconds(80)),
            .logNormal(median: .milliseconds(350), sigma: 0.5), .empirical([.milliseconds(120), .microseconds(135_500)]),
        ])
    }

    @Test(arguments: [
        ("name: x\nstages:\n  - stage: stt-fst\n", 3, "unknown stage \"stt-fst\""),
        ("name: x\nstages:\n  - stage: delay\n    delay: 10\n    dleay: 5\n", 5, "unknown key 'dleay'"),
        ("name: x\nstages:\n  - stage: delay\n    delay: fast\n", 4, "delay.delay must be a number of ms"),
        ("name: x\nstages:\n  - stage: delay\n", 3, "missing parameter 'delay'"),
        ("name: x\nstages:\n  - stage: delay\n    delay: {uniform_ms: [90, 40]}\n", 4, "uniform_ms is [LOW, HIGH]"),
        ("name: x\nstages:\n  - stage: delay\n    delay: 5\n    kinds: video\n", 5, "must be one of: all, audio"),
        ("name: x\nstagez: []\n", 2, "unknown key 'stagez'"),
        ("name: x\nstages: [\n", 3, "not valid YAML"),
    ])
    func badPipelinesSayWhereAndWhat(yaml: String, line: Int, message: String) {
        do {
            _ = try PipelineFile.parse(yaml, file: "bad.yaml")
            Issue.record("expected an error")
        } catch let error as InputError {
            #expect(error.file == "bad.yaml")
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func unknownPresetListsTheKnownOnes() {
        #expect { try PipelineFile.load("cascade-nope") } throws: { ($0 as? InputError)?.message.contains("passthrough-4") == true }
    }

    /// A stage written in Swift, registered under a name, used from YAML by that name.
    @Test func aUserStageRegisteredInSwiftRunsFromYAML() throws {
        final class Echo: Stage {
            let name = "echo-later"
            let consumes: FrameKinds = .audio
            let produces: FrameKinds = .audio
            let after: Duration
            init(after: Duration) { self.after = after }
            func receive(_ frame: Frame, context: StageContext) {
                context.schedule(after: after) { context.emit(frame) }
            }
        }
        let registry = StageRegistry()
        registry.register(StageDescriptor(
            name: "echo-later", role: .utility, summary: "Echoes audio after a delay.",
            parameters: [StageParameter("after_ms", .milliseconds, default: .number(40), range: 0...10_000, help: "Delay.")]
        ) { args in Echo(after: args.duration("after_ms")) })
        let file = try PipelineFile.parse("name: echo\nstages:\n  - stage: echo-later\n    after_ms: 75\n", file: "echo.yaml", registry: registry)
        let scenario = DelayStageTests.toneScenario()
        let result = try VirtualRuntime(pipeline: file.pipeline, scenarios: [scenario]).run()
        #expect(result.turns[0].agentStart == .milliseconds(1020 + 75))
        #expect { try PipelineFile.parse("name: e\nstages:\n  - {stage: echo-later, after_ms: -5}\n", file: "e.yaml", registry: registry) }
            throws: { ($0 as? InputError)?.line == 3 }
    }
}

@Suite struct PipelineOverrideTests {
    /// `--network 4g` reaches every stage that declares a `network` parameter, over the preset's own.
    @Test func anOverrideSetsTheParameterOnEveryStageThatHasIt() throws {
        let yaml = "name: t\nstages:\n  - {stage: uplink, network: wifi}\n  - {stage: delay, delay: 5}\n  - {stage: downlink}\n"
        func uplinkDelay(_ overrides: [String: String]) throws -> Duration {
            let pipeline = try PipelineFile.parse(yaml, file: "t.yaml", overrides: overrides).pipeline
            let turn = try #require(try VirtualRuntime(pipeline: pipeline, scenarios: [DelayStageTests.toneScenario()]).run().turns.first)
            return try #require(turn.marks[.uplink]) - turn.userEnd
        }
        // The 4G profile's one-way delay is longer than good Wi-Fi's, so the uplink mark moves later.
        #expect(try uplinkDelay(["network": "4g"]) > uplinkDelay([:]))
        #expect { try PipelineFile.parse(yaml, file: "t.yaml", overrides: ["network": "moon"]) } throws: {
            ($0 as? InputError)?.description == "--network moon: uplink.network must be one of: none, lan, wifi, 4g, congested; got 'moon'"
        }
    }
}
