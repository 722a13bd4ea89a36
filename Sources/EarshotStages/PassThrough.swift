import EarshotCore

/// Forwards every frame unchanged: a stage that costs only the hop, for measuring the harness.
public final class PassThrough: Stage {
    public let name = "pass-through"
    public let consumes: FrameKinds = .all
    public let produces: FrameKinds = .all

    public init() {}

    public func receive(_ frame: Frame, context: StageContext) {
        context.emit(frame)
    }
}
