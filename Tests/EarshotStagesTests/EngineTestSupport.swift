import EarshotAudio
import EarshotCore
import EarshotStages
import Foundation

/// Signals, fixtures and a scripted agent for the real-engine stage tests.
enum EngineTestSupport {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("AudioFixtures")

    static func utterance(_ name: String) throws -> AudioChunk {
        try AudioFile.read(fixtures.appendingPathComponent("utterances/\(name).wav"))
    }

    static func scenario(_ name: String) throws -> Scenario {
        try Scenario.load(from: fixtures.appendingPathComponent("scenarios/\(name).yaml"), fixturesRoot: fixtures)
    }

    /// One fixture utterance placed at `atMs` on a silent 16 kHz timeline of `totalMs`. Speech
    /// inside every fixture file starts 100 ms in (the generator's lead-in); `speechMs` is how
    /// long it lasts, as the manifests measure it.
    static func single(_ name: String, speechMs: Int, atMs: Int = 300, totalMs: Int) throws -> Scenario {
        let audio = try utterance(name)
        var samples = [Float](repeating: 0, count: totalMs * 16)
        let at = atMs * 16
        for (i, s) in audio.samples.enumerated() where at + i < samples.count { samples[at + i] = s }
        let turn = ScenarioTurn(id: 1, kind: .turn, audioFile: "utterances/\(name).wav", offset: .milliseconds(atMs),
                                speechStart: .milliseconds(atMs + 100), speechEnd: .milliseconds(atMs + 100 + speechMs),
                                reply: "Yes, it is.")
        return Scenario(name: name, audio: AudioChunk(samples: samples, sampleRate: 16_000), turns: [turn])
    }

    /// A 16 kHz timeline of `totalMs`, silent except for a harmonic "voice" (150 Hz and its
    /// two harmonics, about −15 dBFS RMS) over each range in ms; each range list is one turn.
    static func voiced(totalMs: Int, turns: [[Range<Int>]], pauses: Bool = true) -> Scenario {
        var samples = [Float](repeating: 0, count: totalMs * 16)
        for ranges in turns {
            for r in ranges {
                for i in (r.lowerBound * 16)..<(r.upperBound * 16) {
                    let t = Float(i) / 16_000
                    samples[i] = 0.2 * (sin(2 * .pi * 150 * t) + 0.6 * sin(2 * .pi * 300 * t) + 0.4 * sin(2 * .pi * 450 * t))
                }
            }
        }
        let st = turns.enumerated().map { i, ranges in
            let gaps = zip(ranges, ranges.dropFirst()).map { Duration.milliseconds($0.upperBound)..<Duration.milliseconds($1.lowerBound) }
            return ScenarioTurn(id: i + 1, kind: .turn, audioFile: "synthetic", offset: .milliseconds(ranges[0].lowerBound),
                                speechStart: .milliseconds(ranges[0].lowerBound), speechEnd: .milliseconds(ranges.last!.upperBound),
                                pauses: pauses ? gaps : [], reply: "Reply \(i + 1).")
        }
        return Scenario(name: "voiced", audio: AudioChunk(samples: samples, sampleRate: 16_000), turns: st)
    }

    static func spec(_ name: String, _ make: @escaping @Sendable () throws -> any Stage) -> StageSpec {
        StageSpec(name, make: make)
    }

    /// A pipeline from registered stage names and YAML-style arguments, as a user's file would give.
    static func pipeline(_ name: String, _ yaml: String) throws -> Pipeline {
        try PipelineFile.parse("name: \(name)\nstages:\n\(yaml)", file: "\(name).yaml").pipeline
    }
}

/// Stands in for the LLM: on each final transcript it streams the scenario's expected reply for
/// that turn, a word per token, 20 ms apart; it stops on `interruption`.
final class EngineScriptedReplies: Stage {
    let name = "scripted-replies"
    let consumes: FrameKinds = [.text, .event]
    let produces: FrameKinds = [.text, .event]
    let readsScript = true
    private var generation = 0

    func receive(_ frame: Frame, context: StageContext) {
        switch frame.payload {
        case .text(let t) where t.isFinal:
            guard let reply = context.script?.turn(frame.turn)?.reply else { return }
            generation += 1
            let words = reply.split(separator: " ").map(String.init)
            context.mark(.llmFirstToken, turn: frame.turn)
            stream(words, index: 0, generation: generation, turn: frame.turn, context: context)
        case .text:
            break
        case .event(.interruption):
            generation += 1
            context.emit(frame)
        default:
            context.emit(frame)
        }
    }

    private func stream(_ words: [String], index: Int, generation g: Int, turn: Int, context: StageContext) {
        guard g == generation, index < words.count else { return }
        let last = index == words.count - 1
        context.emit(.text(TextChunk((index == 0 ? "" : " ") + words[index], isFinal: last)), turn: turn)
        context.schedule(after: .milliseconds(20)) { [self] in stream(words, index: index + 1, generation: g, turn: turn, context: context) }
    }
}

/// What reached the end of a pipeline, with when and for which turn. Forwards everything, so
/// playout still hears the agent. `@unchecked Sendable`: written by one stage of one session at
/// a time, read after the run.
final class EngineProbe: @unchecked Sendable {
    var events: [(event: Event, at: RunTime, turn: Int)] = []
    var texts: [(text: TextChunk, at: RunTime, turn: Int)] = []
    var audio: [(chunk: AudioChunk, at: RunTime, turn: Int)] = []

    func times(of event: Event) -> [RunTime] { events.filter { $0.event == event }.map(\.at) }

    var spec: StageSpec { StageSpec("probe") { EngineProbeStage(self) } }
}

final class EngineProbeStage: Stage {
    let name = "probe"
    let consumes: FrameKinds = .all
    let produces: FrameKinds = .all
    let probe: EngineProbe
    init(_ probe: EngineProbe) { self.probe = probe }

    func receive(_ frame: Frame, context: StageContext) {
        switch frame.payload {
        case .event(let e): probe.events.append((e, context.now, frame.turn))
        case .text(let t): probe.texts.append((t, context.now, frame.turn))
        case .audio(let a): probe.audio.append((a, context.now, frame.turn))
        case .encoded: break
        }
        context.emit(frame)
    }
}
