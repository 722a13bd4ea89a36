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
/// It takes turns in one of two ways (`turnTaking`):
/// - `script`, the calibrated reference and the default: a model of the model's behaviour, so it
///   reads the ground truth from the scenario — legitimately: it stands in for a network whose
///   decisions we only know as rates and delays. The rules below are this mode's.
/// - `listen`: it decides from the audio it receives, as the real model does, so a recording
///   without labels, packet loss or noise moves its decisions. `TurnListener` judges each input
///   frame: the user is talking once `reaction` of voiced frames has gone by; `pauseTolerance` of
///   silence after that is the end of their turn, and the model decides to reply at that step (its
///   audio `acousticDelay` steps later); so in virtual time, with no transport and loud speech, the
///   reply reaches playout at `ceil(user_end / frame) · frame + ceil(pauseTolerance / frame) · frame
///   + acousticDelay · frame + stepTime` — a mid-turn pause as long as the tolerance is taken as
///   an end, whatever the labels say. When the user starts talking while it speaks it stops at the
///   first step that has heard both `reaction` of their speech and `stopLatency` past its onset, so
///   a backchannel shorter than `reaction` does not stop it. It backchannels `backchannelAfter`
///   into the user's speech as heard, at `backchannelRate`, and answers with probability
///   `responseProbability`; `replyDelay` and `takeoverProbability` are the script's and unused.
///   The reply it voices is still the scenario's reply to the turn it heard last (the turn id its
///   input frames carry): what to say is the model's knowledge of the conversation, which no
///   latency depends on; when to say it and when to stop come from the audio alone.
///
/// What the model has heard is judged by its input's `origin` (the source time of the audio it
/// holds), so an uplink in front delays the decisions as it would the real model's.
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
    /// Where its turn-taking decisions come from.
    public enum TurnTaking: String, Sendable, CaseIterable {
        /// The scenario's ground truth, drawn around with rates and delays.
        case script
        /// Its own speech detector on the audio it receives.
        case listen
    }

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
        public var turnTaking = TurnTaking.script
        /// Listen mode: voiced audio before the user counts as talking, or stops its reply.
        public var reaction: Duration = .milliseconds(160)
        /// Listen mode: silence after the user's speech before it takes the turn.
        public var pauseTolerance: Duration = .milliseconds(240)
        /// Listen mode: a frame at or above this level is speech.
        public var speechDBFS: Double = -40
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
        var turn: Int
        /// Listen mode: the step's input as it arrived, before resampling.
        var input: AudioChunk?
    }

    public let name = "duplex-model"
    /// It says the expected replies in both modes; in `script` mode it also takes turns at the
    /// ground truth's ends of speech. In `listen` mode only each turn's reply text is read.
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

    private var listener: TurnListener?
    /// Listen mode: input not yet cut into steps, at the rate it came in.
    private var rawInput: [Float] = []
    private var rawRate = 0
    private var rawChannels = 1
    private var listenRandom: (reply: SeededRandom, stop: SeededRandom, backchannel: SeededRandom)?
    private var nextBackchannel: Duration?

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public func started(context: StageContext) {
        samplesPerFrame = Int(configuration.frame.nanoseconds * Int64(configuration.sampleRate) / 1_000_000_000)
        stepRandom = context.random.split("step")
        switch configuration.turnTaking {
        case .script: plan(context: context)
        case .listen: prepareToListen(context: context)
        }
    }

    private func voiceReply(_ turn: ScenarioTurn, context: StageContext) {
        guard let text = turn.reply else { return }
        do {
            replies[turn.id] = try configuration.voice.audio(text, sampleRate: configuration.sampleRate)
        } catch {
            context.fail(turn: turn.id, reason: "duplex-model: cannot voice the reply: \(error)")
        }
    }

    /// An exponential gap, so backchannels come as a Poisson process at `backchannelRate`.
    private func backchannelGap(_ random: SeededRandom) -> Duration {
        let gap = -log(max(random.unit(), .leastNonzeroMagnitude)) / configuration.backchannelRate
        // A tiny rate draws an enormous gap; past one day it ends the turn's backchannels all the same.
        return .nanoseconds(Int64(min(gap, InputLimits.longestMilliseconds / 1000) * 1e9))
    }

    /// Voices the replies and nothing else: in listen mode the script is what the model knows to
    /// say, never when.
    private func prepareToListen(context: StageContext) {
        for turn in context.script?.turns ?? [] { voiceReply(turn, context: context) }
        listener = TurnListener(reaction: configuration.reaction, pauseTolerance: configuration.pauseTolerance,
                                speechDBFS: configuration.speechDBFS)
        listenRandom = (context.random.split("reply"), context.random.split("stop"), context.random.split("backchannel"))
        if configuration.backchannelRate > 0 {
            backchannel = try? configuration.voice.audio(configuration.backchannelText, sampleRate: configuration.sampleRate)
        }
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
            if turn.reply != nil {
                voiceReply(turn, context: context)
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
                    t += backchannelGap(backchannelRandom)
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
        if listener != nil {
            // Levels are taken on the input as it came: the resampler's filter delay would smear
            // each end of speech into the next frame.
            rawInput += chunk.samples
            rawRate = chunk.sampleRate
            rawChannels = chunk.channels
        }
        latestTurn = frame.turn
        heard = max(heard, .nanoseconds(frame.origin.nanoseconds))
        inputDuration += chunk.duration
        while inputDuration >= configuration.frame * (stepsQueued + 1) {
            var input: AudioChunk?
            if listener != nil {
                // Cut at each step's boundary on the input's own sample clock, so a rate that does
                // not divide the frame evenly does not drift.
                let boundary = { (k: Int) in Int(Double(k) * Double(self.configuration.frame.nanoseconds) * Double(self.rawRate) / 1e9) }
                let n = min(rawInput.count, (boundary(stepsQueued + 1) - boundary(stepsQueued)) * rawChannels)
                input = AudioChunk(samples: Array(rawInput.prefix(n)), sampleRate: rawRate, channels: rawChannels)
                rawInput.removeFirst(n)
            }
            ready.append(Step(index: stepsQueued, heard: heard, turn: latestTurn, input: input))
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
        switch configuration.turnTaking {
        case .script: followScript(step)
        case .listen: listen(step)
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

    /// Script mode: applies the decisions planned from the ground truth that this step has heard.
    private func followScript(_ step: Step) {
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
    }

    /// Listen mode: what this step's input frame tells the model, and what it does about it.
    private func listen(_ step: Step) {
        guard var listener, let input = step.input, let random = listenRandom else { return }
        let h = step.heard
        let cue = listener.hear(input, turn: step.turn, start: h - configuration.frame, duration: configuration.frame)
        self.listener = listener
        switch cue {
        case .userStarted(let onset)?:
            // Drawn at every onset heard, speaking or not, so the draws do not hang on its state.
            let stopAfter = configuration.stopLatency.sample(random.stop)
            if speaking != nil || pending != nil, stopAt == nil { stopAt = onset + stopAfter }
            nextBackchannel = configuration.backchannelRate > 0
                ? onset + configuration.backchannelAfter + backchannelGap(random.backchannel) : nil
        case .userStopped(let turn)?:
            nextBackchannel = nil
            // Taking the turn supersedes whatever it was still saying or about to say.
            speaking = nil
            pending = nil
            stopAt = nil
            if random.reply.chance(configuration.responseProbability), let audio = replies[turn] {
                pending = (Utterance(turn: turn, audio: audio), step.index + configuration.acousticDelay)
            }
        case nil:
            break
        }
        if let stop = stopAt, stop <= h {
            speaking = nil
            pending = nil
            stopAt = nil
        }
        if listener.userTalking, let next = nextBackchannel, next <= h {
            if speaking == nil, pending == nil, let audio = backchannel {
                pending = (Utterance(turn: 0, audio: audio), step.index + configuration.acousticDelay)
            }
            nextBackchannel = next + backchannelGap(random.backchannel)
        }
    }
}
