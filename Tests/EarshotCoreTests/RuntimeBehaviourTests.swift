import EarshotCore
import Foundation
import Testing

@Suite struct RuntimeBehaviourTests {
    /// The pacer's thread asks for nice −10, and the run says what it got: what this machine gives
    /// any thread that asks the same (−10 with CAP_SYS_NICE, else the default). Virtual time has no pacer.
    @Test func thePacerSaysThePriorityItRanAt() throws {
        let scenario = Synthetic.scenario(totalMs: 200, turns: [(.turn, 50, 150)])
        let pipeline = Pipeline(name: "p", steps: [.stage(StageSpec("pass") { PassThrough() })])
        let real = try RealtimeRuntime(pipeline: pipeline, scenarios: [scenario]).run()
        #expect(real.harness.pacerNice == Self.niceAThreadGets(asking: -10))
        #expect(try VirtualRuntime(pipeline: pipeline, scenarios: [scenario]).run().harness.pacerNice == nil)
    }

    static func niceAThreadGets(asking nice: Int32) -> Int {
        let got = NSLock(), done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var value = 0
        let thread = Thread {
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
            let v = Int(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0))
            got.withLock { value = v }
            done.signal()
        }
        thread.start()
        done.wait()
        return got.withLock { value }
    }

    @Test func aThrowingStageFailsItsTurnAndTheRunGoesOn() throws {
        let scenario = Synthetic.scenario(totalMs: 9000, turns: [(.turn, 1000, 2000), (.turn, 5000, 6000)])
        var steps = TestPipelines.cascade().steps
        steps.insert(.stage(StageSpec("failing") { FailingStage(failTurns: [1]) }), at: 1)
        let result = try VirtualRuntime(pipeline: Pipeline(name: "f", steps: steps), scenarios: [scenario]).run()
        #expect(result.turns.map(\.outcome) == [.failed, .responded])
        #expect(result.turns[0].failure == StageFailure(stage: "failing", reason: "engine crashed"))
        #expect(result.turns[1].voiceToVoice == .milliseconds(500))
    }

    /// An LLM stage consumes only text; the end-of-turn event reaches the next stage through it.
    @Test func framesAStageDoesNotConsumePassThrough() throws {
        let scenario = Synthetic.scenario(totalMs: 4000, turns: [(.turn, 1000, 2000)])
        let pipeline = Pipeline.chain("p", [
            StageSpec("test-endpointer") { TestEndpointer(silence: .milliseconds(200)) },
            StageSpec("text-only") { TestDelay("text-only", consumes: .text, produces: .text, delay: .fixed(.seconds(9)), mark: nil) { _ in nil } },
            StageSpec("tts") {
                TestDelay("tts", consumes: .event, produces: .audio, delay: .fixed(.milliseconds(30)), mark: nil) { _ in .audio(Synthetic.chunk(ms: 100)) }
            },
        ])
        let result = try VirtualRuntime(pipeline: pipeline, scenarios: [scenario]).run()
        #expect(result.turns[0].voiceToVoice == .milliseconds(230))
        let textOnly = try #require(result.stages.first { $0.stage == "text-only" })
        #expect(textOnly.framesIn == 0)
    }

    /// Both branches of a parallel step get every frame; what they emit merges into the next step.
    @Test func parallelBranchesEachSeeTheSourceAndMerge() throws {
        let scenario = Synthetic.scenario(totalMs: 4000, turns: [(.turn, 1000, 2000)])
        let pipeline = Pipeline(name: "par", steps: [
            .parallel([
                [StageSpec("ep-fast") { TestEndpointer(silence: .milliseconds(100)) }],
                [StageSpec("ep-slow") { TestEndpointer(silence: .milliseconds(300)) }],
            ]),
            .stage(StageSpec("tts") {
                TestDelay("tts", consumes: .event, produces: .audio, delay: .fixed(.milliseconds(10)), mark: nil) { _ in .audio(Synthetic.chunk(ms: 100)) }
            }),
        ])
        let result = try VirtualRuntime(pipeline: pipeline, scenarios: [scenario]).run()
        #expect(result.turns[0].voiceToVoice == .milliseconds(110))
        let tts = try #require(result.stages.first { $0.stage == "tts" })
        #expect(tts.framesIn == 2)
        #expect(result.stages.filter { $0.stage.hasPrefix("ep-") }.map(\.framesIn) == [150, 150])
    }

    @Test func aReplyBeforeTheUserFinishedIsTalkOver() throws {
        let scenario = Synthetic.scenario(totalMs: 4000, turns: [(.turn, 1000, 2000)])
        // Replies 300 ms after the first speech it hears, while the user is still talking.
        let pipeline = Pipeline.chain("eager", [
            StageSpec("eager") {
                TestDelay("eager", consumes: .audio, produces: .audio, delay: .fixed(.milliseconds(300)), mark: nil) {
                    $0.turn == 1 && $0.audio!.levelDBFS > -40 && $0.emittedAt == .milliseconds(1020) ? .audio(Synthetic.chunk(ms: 100)) : nil
                }
            },
        ])
        let result = try VirtualRuntime(pipeline: pipeline, scenarios: [scenario]).run()
        #expect(result.turns[0].voiceToVoice == .milliseconds(-680))
        #expect(result.turns[0].outcome == .talkedOver)
    }

    /// Playout queues audio behind audio still playing and judges level per 10 ms block.
    @Test func agentStartIsTheFirstAudibleBlockAtPlayout() throws {
        let scenario = Synthetic.scenario(totalMs: 4000, turns: [(.turn, 1000, 2000)])
        var lead = Synthetic.chunk(ms: 100)
        for i in 0..<(40 * 16) { lead.samples[i] = 0 }   // 40 ms of silence, then tone
        let pipeline = Pipeline.chain("lead", [
            StageSpec("test-endpointer") { TestEndpointer(silence: .milliseconds(200)) },
            StageSpec("tts") { [lead] in
                TestDelay("tts", consumes: .event, produces: .audio, delay: .fixed(.zero), mark: nil) { _ in .audio(lead) }
            },
        ])
        let result = try VirtualRuntime(pipeline: pipeline, scenarios: [scenario]).run()
        #expect(result.turns[0].voiceToVoice == .milliseconds(240))
    }

    /// The answer key — expected replies, ground truth — reaches only stages that say they are
    /// scripted or modelled; a stage standing for a real component sees nothing of it.
    @Test func onlyStagesThatReadTheScriptSeeIt() throws {
        final class Seen: @unchecked Sendable { var turns: [String: Int] = [:] }
        final class Peek: Stage {
            let name: String
            let consumes: FrameKinds = .all
            let produces: FrameKinds = .all
            let readsScript: Bool
            let seen: Seen
            init(_ name: String, readsScript: Bool, seen: Seen) {
                self.name = name
                self.readsScript = readsScript
                self.seen = seen
            }
            func started(context: StageContext) { seen.turns[name] = context.script?.turns.count ?? -1 }
            func receive(_ frame: Frame, context: StageContext) { context.emit(frame) }
        }
        let seen = Seen()
        let scenario = Synthetic.scenario(totalMs: 2000, turns: [(.turn, 400, 900), (.turn, 1200, 1600)])
        let pipeline = Pipeline.chain("peek", [
            StageSpec("engine") { Peek("engine", readsScript: false, seen: seen) },
            StageSpec("model") { Peek("model", readsScript: true, seen: seen) },
        ])
        _ = try VirtualRuntime(pipeline: pipeline, scenarios: [scenario], workers: 1).run()
        #expect(seen.turns == ["engine": -1, "model": 2], "-1: no script")
    }

    /// A transport says how far the user's audio has got; the runtime marks `uplink` for each turn
    /// whose speech ends within it, at that moment — the stage never sees where speech ends.
    @Test func uplinkIsMarkedWhenTheDeliveredAudioCoversTheEndOfSpeech() throws {
        final class Deliverer: Stage {
            let name = "deliverer"
            let consumes: FrameKinds = .text
            let produces: FrameKinds = .text
            let rate: Int
            init(rate: Int = 16_000) { self.rate = rate }
            func receive(_ frame: Frame, context: StageContext) {
                if case .text(let t) = frame.payload, let n = Int(t.text) { context.deliveredUserAudio(through: n, sampleRate: rate) }
            }
        }
        // Turn 1 ends at 500 ms (sample 8,000 at 16 kHz), turn 2 at 1,210 ms (19,360).
        let scenario = Synthetic.scenario(totalMs: 2000, turns: [(.turn, 100, 500), (.turn, 900, 1210)])
        let h = StageHarness(Deliverer(), scenario: scenario)
        for (ms, samples) in [(600, 7_999), (620, 8_000), (640, 19_359), (1_300, 30_000)] {
            h.advance(by: .milliseconds(ms) - (h.now - .zero))
            try h.feed(.text(TextChunk("\(samples)", isFinal: true)))
        }
        #expect(h.marks[1]?[.uplink] == .milliseconds(620))
        #expect(h.marks[2]?[.uplink] == .milliseconds(1_300))
        #expect(h.context.script == nil)

        // Speech that ends 0.1 ms into a sample period at 8 kHz (500.1 ms: sample 4,000 is at
        // 500.0 ms and holds speech) is through only once that sample is: 4,001 samples, not 4,000.
        var late = Synthetic.scenario(totalMs: 1000, turns: [(.turn, 100, 500)])
        late.turns[0].speechEnd = .microseconds(500_100)
        let h8 = StageHarness(Deliverer(rate: 8_000), scenario: late)
        for (ms, samples) in [(600, 4_000), (620, 4_001)] {
            h8.advance(by: .milliseconds(ms) - (h8.now - .zero))
            try h8.feed(.text(TextChunk("\(samples)", isFinal: true)))
        }
        #expect(h8.marks[1]?[.uplink] == .milliseconds(620))
    }
}
