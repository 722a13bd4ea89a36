import EarshotAudio
import EarshotCore
import EarshotStages
import Foundation
import Testing

/// The Smart Turn example (Scripts/stages/smart_turn.py) behind the Silero VAD example, both
/// through the `process` stage, and the cascade-pipecat preset built on them. They need
/// Scripts/.venv with both set up: when something is missing the suite runs the two setup scripts
/// once, and skips only if they cannot install it.
///
/// The model is real, so its verdicts are what it says on these recordings, not the scenario's
/// ground truth; the fixtures are espeak-ng speech, and a turn model trained on people misjudges
/// some of it (what-time.wav, a finished question, reads as unfinished and waits out the fallback).
/// The two utterances here are ones it judges as a listener would.
@Suite struct SmartTurnTests {
    static let python = SileroVADTests.python
    static let vadScript = SileroVADTests.script
    static let script = SileroVADTests.root.appendingPathComponent("Scripts/stages/smart_turn.py").path

    static let unavailable: String? = {
        if let why = SileroVADTests.unavailable { return why }
        if importsModel() { return nil }
        let setup = SileroVADTests.root.appendingPathComponent("Scripts/stages/setup-smart-turn").path
        let (status, output) = SileroVADTests.run("/usr/bin/env", ["timeout", "150", setup])
        if importsModel() { return nil }
        let tail = output.split(separator: "\n").suffix(3).joined(separator: " | ")
        return "Smart Turn could not be installed (Scripts/stages/setup-smart-turn exited \(status)\(status == 124 ? ", timed out" : ""): \(tail))"
    }()

    /// The same check the setup script ends with: the runtime imports and the wheel's model is there.
    static func importsModel() -> Bool {
        let check = """
            import importlib.metadata as m, numpy, onnxruntime
            assert m.distribution("pipecat-ai").locate_file("pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx").is_file()
            """
        return FileManager.default.isExecutableFile(atPath: python) && SileroVADTests.run(python, ["-c", check]).status == 0
    }

    static func requireModel() throws {
        if let why = unavailable { try Test.cancel(Comment(rawValue: why)) }
    }

    /// which-cheaper.wav ("Which is cheaper, the train or the bus?") at 300 ms, speech from 400 ms,
    /// kept up to `keepMs` into the file (nil: whole) with a 10 ms fade so the cut is no click.
    static func whichCheaper(keepMs: Int?, totalMs: Int) throws -> (scenario: Scenario, speechEndMs: Int) {
        var audio = try EngineTestSupport.utterance("which-cheaper").samples
        if let keepMs {
            audio = Array(audio.prefix(keepMs * 16))
            let fade = 160
            for i in 0..<fade { audio[audio.count - fade + i] *= Float(fade - i) / Float(fade) }
        }
        let speechEndMs = 300 + (keepMs ?? 100 + 2_370)
        var samples = [Float](repeating: 0, count: totalMs * 16)
        for (i, s) in audio.enumerated() { samples[300 * 16 + i] = s }
        let turn = ScenarioTurn(id: 1, kind: .turn, audioFile: "utterances/which-cheaper.wav", offset: .milliseconds(300),
                                speechStart: .milliseconds(400), speechEnd: .milliseconds(speechEndMs), reply: "The bus.")
        return (Scenario(name: "which-cheaper", audio: AudioChunk(samples: samples, sampleRate: 16_000), turns: [turn]), speechEndMs)
    }

    /// Runs the VAD and Smart Turn over `scenario`: when the probe saw each end_of_turn, and how
    /// long after the VAD's speech_stopped before it, in ms.
    static func endsOfTurn(_ scenario: Scenario) throws -> (ends: [Double], afterStop: [Double], result: RunResult) {
        let probe = EngineProbe()
        let vad = StageSpec("vad-silero") { try ProcessStage(command: python, arguments: [vadScript]) }
        let turn = StageSpec("smart-turn") { try ProcessStage(command: python, arguments: [script]) }
        let result = try VirtualRuntime(pipeline: .chain("smart-turn", [vad, turn, probe.spec]), scenarios: [scenario]).run()
        #expect(result.turns.allSatisfy { $0.outcome != .failed }, "\(result.turns.map(\.outcome))")
        let ends = probe.times(of: .endOfTurn)
        let afterStop = ends.map { end in end.milliseconds - (probe.times(of: .speechStopped).last { $0 <= end }?.milliseconds ?? .nan) }
        return (ends.map(\.milliseconds), afterStop, result)
    }

    /// The whole question is judged complete: the turn ends one inference after the VAD's
    /// speech_stopped reaches the detector (0.2 s after the speech, with the held frames), well
    /// short of the 3 s fallback. The bound allows an inference slowed by whatever else the
    /// machine is running.
    @Test func aCompleteQuestionEndsAfterTheVADStopAndOneInference() throws {
        try Self.requireModel()
        let (scenario, speechEnd) = try Self.whichCheaper(keepMs: nil, totalMs: 7_000)
        let (ends, afterStop, result) = try Self.endsOfTurn(scenario)
        #expect(ends.count == 1)
        let afterSpeech = try #require(ends.first) - Double(speechEnd)
        let inference = try #require(afterStop.first)
        #expect(inference > 0 && inference <= 1_000, "end of turn \(inference) ms after speech_stopped")
        #expect(afterSpeech >= 150 && afterSpeech <= 200 + 100 + 1_000, "end of turn \(afterSpeech) ms after speech")
        #expect(result.stages.first { $0.stage == "smart-turn" }!.busy > .zero)
    }

    /// Cut after "Which is cheaper, the", the model judges it unfinished, so the turn ends only
    /// by the fallback, 3 s of audio after the VAD's stop. That is counted in audio, so the
    /// inference's cost does not move it beyond a frame or two.
    @Test func aQuestionCutMidSentenceWaitsForTheThreeSecondFallback() throws {
        try Self.requireModel()
        let (scenario, speechEnd) = try Self.whichCheaper(keepMs: 1_275, totalMs: 7_000)
        let (ends, afterStop, _) = try Self.endsOfTurn(scenario)
        #expect(ends.count == 1)
        let afterSpeech = try #require(ends.first) - Double(speechEnd)
        let fallback = try #require(afterStop.first)
        #expect((2_900...3_100).contains(fallback), "end of turn \(fallback) ms after speech_stopped")
        #expect(afterSpeech >= 2_800 && afterSpeech <= 3_200 + 100 + 1_000, "end of turn \(afterSpeech) ms after speech")
    }

    /// The preset's paths are relative to the repository root, where `swift test` and earshot run.
    @Test func theCascadePipecatPresetAnswersEveryTurnOfBasicQA() throws {
        try Self.requireModel()
        try #require(FileManager.default.fileExists(atPath: "Scripts/stages/smart_turn.py"),
                     "run from the repository root: cascade-pipecat names its children relative to it")
        let file = try PipelineFile.load("cascade-pipecat")
        #expect(file.sources["smart-turn"]?.contains("Smart Turn v3.2") == true)
        let result = try VirtualRuntime(pipeline: file.pipeline, scenarios: [try EngineTestSupport.scenario("basic-qa")]).run()
        #expect(result.turns.count == 4)
        for turn in result.turns {
            #expect(turn.outcome != .failed && turn.outcome != .missed, "turn \(turn.turn): \(turn.outcome)")
            #expect(turn.voiceToVoice != nil, "turn \(turn.turn) got no reply")
            #expect(turn.marks[.endpoint] != nil, "turn \(turn.turn) has no endpoint mark")
        }
        #expect(result.stages.first { $0.stage == "smart-turn" }!.busy > .zero)
    }
}
