import EarshotAudio
import EarshotCore
import Foundation

/// `duplex-model`: a full-duplex voice-to-voice model (Moshi, Gradium) modelled step by step.
///
/// The model runs on fixed frames (Mimi: 80 ms at 24 kHz). It resamples what it hears to its rate
/// and takes a step each time a whole frame of input has arrived; a step costs a drawn compute
/// time and emits one frame of output — reply audio, a backchannel, or silence: a duplex model
/// speaks every step. Steps run one at a time, so when a step takes longer than a frame the model
/// falls behind and the lateness adds up step after step, and shows in every later reply.
/// Its framing follows the input's media clock: the resampler's own filter delay (about 2 ms) is
/// not charged, as a client capturing at 24 kHz would have none.
///
/// Turn-taking is a model of the model's behaviour, so it reads the ground truth from the
/// scenario — legitimately: it stands in for a network whose decisions we only know as rates and
/// delays. What the model has heard is judged by its input's `origin` (the source time of the
/// audio it holds), so an uplink in front delays the decisions as it would the real model's.
/// - A reply is decided at the first step that has heard `replyDelay` past the user's real end of
///   speech, and its first audio comes out `acousticDelay` steps later; so in virtual time, with no
///   transport, the reply reaches playout at
///   `ceil((user_end + replyDelay) / frame) · frame + acousticDelay · frame + stepTime`.
/// - At a mid-turn pause it takes the turn with probability `takeoverProbability`, deciding
///   `replyDelay` into the pause if the pause lasts that long; when the user resumes it yields.
/// - During a user turn it backchannels at `backchannelRate` per second of speech (after the
///   first `backchannelAfter`), if not already speaking. A backchannel answers no turn: its
///   frames carry turn 0, so it is never taken for the reply.
/// - When the user starts speaking over it (a barge-in, a new turn, a resumed turn — not a
///   backchannel) it stops at the first step that has heard `stopLatency` past the onset; no
///   acoustic delay applies to going silent.
/// - It answers a turn at all with probability `responseProbability`.
/// Reply audio is the scenario's reply spoken by `voice`, made before the session starts; the
/// first reply frame of a turn marks `model_first_audio`.
public final class DuplexModel: Stage {
    public struct Configuration: Sendable {
        public var frame: Duration = .milliseconds(80)
        public var sampleRate = 24_000
        public var acousticDelay = 1
        public var stepTime: DelayDistribution = .fixed(.milliseconds(40))
        public var replyDelay: DelayDistribution = .fixed(.milliseconds(100))
        public var takeoverProbability = 0.0
        public var backchannelRate = 0.0
        public var backchannelAfter: Duration = .seconds(1)
        public var backchannelText = "mm hmm"
        public var stopLatency: DelayDistribution = .fixed(.milliseconds(160))
        public var responseProbability = 1.0
        public var voice = SpeechVoice.espeak
        public init() {}
    }

    private enum Decision {
        case reply(turn: Int)
        case backchannel
    }

    private struct Utterance {
        var turn: Int
        var audio: AudioChunk
        var position = 0
        var marked = false
    }

    private struct Step {
        var index: Int
        var heard: Duration
    }

    public let name = "duplex-model"
    /// A model of the full-duplex system: it takes turns at the ground truth's ends of speech and says the expected replies.
    public var readsScript: Bool { true }
    public let consumes: FrameKinds = .audio
    public let produces: FrameKinds = .audio
    public let configuration: Configuration

    private var decisions: [(at: Duration, what: Decision)] = []
    private var nextDecision = 0
    private var onsets: [(at: Duration, stopAfter: Duration)] = []
    private var nextOnset = 0
    private var replies: [Int: AudioChunk] = [:]
    private var backchannel: AudioChunk?

    private var resampler: Resampler?
    private var heldInput: [Float] = []
    private var inputDuration: Duration = .zero
    private var heard: Duration = .zero
    private var latestTurn = 0
    /// Silence after a reply keeps its turn id, so the codec's carry-over of the reply's last
    /// samples is not taken for the start of the next turn's reply.
    private var lastSpokenTurn = 0
    private var stepsQueued = 0
    private var ready: [Step] = []
    private var busy = false

    private var speaking: Utterance?
    private var pending: (utterance: Utterance, step: Int)?
    private var stopAt: Duration?
    private var stepRandom: SeededRandom?
    private var samplesPerFrame = 0

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public func started(context: StageContext) {
        samplesPerFrame = Int(configuration.frame.nanoseconds * Int64(configuration.sampleRate) / 1_000_000_000)
        stepRandom = context.random.split("step")
        plan(context: context)
    }

    /// Draws the whole session's behaviour up front, each kind of draw from its own stream, so
    /// changing one rate leaves the other decisions where they were.
    private func plan(context: StageContext) {
        let replyRandom = context.random.split("reply")
        let takeoverRandom = context.random.split("takeover")
        let stopRandom = context.random.split("stop")
        let backchannelRandom = context.random.split("backchannel")
        for turn in (context.script?.turns ?? []).sorted(by: { $0.speechStart < $1.speechStart }) {
            guard turn.kind != .backchannel else { continue }
            onsets.append((turn.speechStart, configuration.stopLatency.sample(stopRandom)))
            if let text = turn.reply {
                do {
                    replies[turn.id] = try configuration.voice.audio(text, sampleRate: configuration.sampleRate)
                } catch {
                    context.fail(turn: turn.id, reason: "duplex-model: cannot voice the reply: \(error)")
                }
                let delay = configuration.replyDelay.sample(replyRandom)
                if replyRandom.chance(configuration.responseProbability) {
                    decisions.append((turn.speechEnd + delay, .reply(turn: turn.id)))
                }
            }
            for pause in turn.pauses {
                onsets.append((pause.upperBound, configuration.stopLatency.sample(stopRandom)))
                let delay = configuration.replyDelay.sample(takeoverRandom)
                if takeoverRandom.chance(configuration.takeoverProbability), pause.lowerBound + delay < pause.upperBound, turn.reply != nil {
                    decisions.append((pause.lowerBound + delay, .reply(turn: turn.id)))
                }
            }
            if turn.kind == .turn, configuration.backchannelRate > 0 {
                var t = turn.speechStart + configuration.backchannelAfter
                while true {
                    let gap = -log(max(backchannelRandom.unit(), .leastNonzeroMagnitude)) / configuration.backchannelRate
                    // A tiny rate draws an enormous gap; past one day it ends the turn's backchannels all the same.
                    t += .nanoseconds(Int64(min(gap, InputLimits.longestMilliseconds / 1000) * 1e9))
                    guard t < turn.speechEnd else { break }
                    if !turn.pauses.contains(where: { $0.contains(t) }) { decisions.append((t, .backchannel)) }
                }
            }
        }
        if decisions.contains(where: { if case .backchannel = $0.what { true } else { false } }) {
            backchannel = try? configuration.voice.audio(configuration.backchannelText, sampleRate: configuration.sampleRate)
        }
        decisions.sort { $0.at < $1.at }
        onsets.sort { $0.at < $1.at }
    }

    public func receive(_ frame: Frame, context: StageContext) throws {
        guard let chunk = frame.audio else { return }
        if chunk.sampleRate != configuration.sampleRate {
            if resampler == nil { resampler = try Resampler(from: chunk.sampleRate, to: configuration.sampleRate, channels: chunk.channels) }
            heldInput += try resampler!.process(chunk).samples
        } else {
            heldInput += chunk.samples
        }
        latestTurn = frame.turn
        heard = max(heard, .nanoseconds(frame.origin.nanoseconds))
        inputDuration += chunk.duration
        while inputDuration >= configuration.frame * (stepsQueued + 1) {
            ready.append(Step(index: stepsQueued, heard: heard))
            stepsQueued += 1
            // The model consumes its input frame; only its timing matters to what it says.
            heldInput.removeFirst(min(heldInput.count, samplesPerFrame))
        }
        runNext(context: context)
    }

    private func runNext(context: StageContext) {
        guard !busy, !ready.isEmpty, let random = stepRandom else { return }
        let step = ready.removeFirst()
        busy = true
        let (output, turn, first) = decide(step)
        context.schedule(after: configuration.stepTime.sample(random)) { [self] in
            busy = false
            if let first { context.mark(.modelFirstAudio, turn: first) }
            context.emit(.audio(output), turn: turn)
            runNext(context: context)
        }
    }

    /// What step `step` says, given what it has heard: the audio, its turn id, and the turn whose
    /// first reply frame this is, if any.
    private func decide(_ step: Step) -> (AudioChunk, Int, Int?) {
        let h = step.heard
        while nextOnset < onsets.count, onsets[nextOnset].at <= h {
            if speaking != nil || pending != nil, stopAt == nil { stopAt = onsets[nextOnset].at + onsets[nextOnset].stopAfter }
            nextOnset += 1
        }
        if let stop = stopAt, stop <= h {
            speaking = nil
            pending = nil
            stopAt = nil
        }
        while nextDecision < decisions.count, decisions[nextDecision].at <= h {
            switch decisions[nextDecision].what {
            case .reply(let turn):
                if let audio = replies[turn] {
                    pending = (Utterance(turn: turn, audio: audio), step.index + configuration.acousticDelay)
                }
            case .backchannel:
                if speaking == nil, pending == nil, let audio = backchannel {
                    pending = (Utterance(turn: 0, audio: audio), step.index + configuration.acousticDelay)
                }
            }
            nextDecision += 1
        }
        if let p = pending, p.step <= step.index {
            speaking = p.utterance
            pending = nil
        }
        guard var u = speaking else {
            return (AudioChunk(samples: [Float](repeating: 0, count: samplesPerFrame), sampleRate: configuration.sampleRate),
                    lastSpokenTurn > 0 ? lastSpokenTurn : latestTurn, nil)
        }
        let end = min(u.position + samplesPerFrame, u.audio.samples.count)
        var samples = Array(u.audio.samples[u.position..<end])
        samples += repeatElement(0, count: samplesPerFrame - samples.count)
        let first = !u.marked && u.turn > 0 ? u.turn : nil
        u.marked = true
        u.position = end
        if u.turn > 0 { lastSpokenTurn = u.turn }
        speaking = end < u.audio.samples.count ? u : nil
        return (AudioChunk(samples: samples, sampleRate: configuration.sampleRate), u.turn, first)
    }
}
