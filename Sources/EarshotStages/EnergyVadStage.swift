import EarshotCore

/// `vad-energy`: a frame is voiced when its RMS level (`Level.rmsDBFS`) reaches a threshold. The
/// same interface as `vad-webrtc`; fooled by any noise as loud as speech, which is the point of
/// comparing them.
///
/// A level per frame costs next to nothing, so it is `.modelled`: virtual runs stay exact.
public final class EnergyVadStage: Stage {
    public let name = "vad-energy"
    public let consumes: FrameKinds = .audio
    public let produces: FrameKinds = [.audio, .event]
    public let thresholdDBFS: Double
    private var segmenter: SpeechSegmenter

    public init(thresholdDBFS: Double = -40, start: Duration = .milliseconds(200), stop: Duration = .milliseconds(200)) {
        self.thresholdDBFS = thresholdDBFS
        segmenter = SpeechSegmenter(startAfter: start, stopAfter: stop)
    }

    public func receive(_ frame: Frame, context: StageContext) {
        guard let audio = frame.audio else { return context.emit(frame) }
        segmenter.feed(frame, voiced: audio.levelDBFS >= thresholdDBFS, context: context)
    }
}
