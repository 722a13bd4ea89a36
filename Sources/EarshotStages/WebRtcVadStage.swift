import EarshotCore

/// `vad-webrtc`: the WebRTC VAD judging each audio frame, with speech start and stop confirmed
/// by `start` and `stop` of consistent verdicts. Forwards all audio; emits `speechStarted` and
/// `speechStopped` where speech began and ended in the stream (see `SpeechSegmenter`).
///
/// Real compute, so `.measured`: virtual time charges what the engine took.
public final class WebRtcVadStage: Stage {
    public let name = "vad-webrtc"
    public let consumes: FrameKinds = .audio
    public let produces: FrameKinds = [.audio, .event]
    public let timing: StageTiming
    private let vad: WebRtcVad
    private var segmenter: SpeechSegmenter

    public init(mode: Int = 3, windowMilliseconds: Int = 20, start: Duration = .milliseconds(200),
                stop: Duration = .milliseconds(200), timing: StageTiming = .measured) throws {
        self.timing = timing
        vad = try WebRtcVad(mode: mode, windowMilliseconds: windowMilliseconds)
        segmenter = SpeechSegmenter(startAfter: start, stopAfter: stop)
    }

    public func receive(_ frame: Frame, context: StageContext) throws {
        guard let audio = frame.audio else { return context.emit(frame) }
        segmenter.feed(frame, voiced: try vad.isVoiced(audio), context: context)
    }
}
