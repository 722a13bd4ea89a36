import EarshotCore

/// Holds each frame it consumes for a drawn delay, then forwards it; frames leave in arrival order
/// even when a later draw is shorter, as they would from a real queue-like service.
public final class DelayStage: Stage {
    public let name = "delay"
    public let consumes: FrameKinds
    public let produces: FrameKinds
    public let delay: DelayDistribution
    private var lastRelease = RunTime.zero

    public init(delay: DelayDistribution, consumes: FrameKinds = .all) {
        self.delay = delay
        self.consumes = consumes
        self.produces = consumes
    }

    public func receive(_ frame: Frame, context: StageContext) {
        let release = max(context.now + delay.sample(context.random), lastRelease)
        lastRelease = release
        context.schedule(after: release - context.now) { context.emit(frame) }
    }
}
