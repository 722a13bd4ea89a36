/// The unit a user plugs in: receives frames, emits frames through its `StageContext`.
///
/// A stage runs confined: in real time on its own serial queue, in virtual time on the scheduler,
/// never on two threads at once, so its state is plain `var`s. It never reads a wall clock and
/// never sleeps — it asks the context for `now` and for `schedule(after:_:)` — which is what lets
/// the same stage run under both clocks.
///
/// Frames of a kind the stage does not `consume` pass through it untouched, as unknown frames do
/// through a swift-nio handler or a Pipecat processor, so an event can cross a text-only stage.
public protocol Stage: AnyObject {
    /// Registered name (`stt-pocketsphinx`, `fixed-delay`); stage rows in reports carry it.
    var name: String { get }
    var consumes: FrameKinds { get }
    var produces: FrameKinds { get }
    /// How virtual time charges this stage's compute. Default `.modelled`.
    var timing: StageTiming { get }
    /// Whether the stage is scripted or modelled and decides from the scenario's script (expected
    /// replies, ground truth), which then reaches it as `context.script`. Default false: a stage
    /// that stands for a real component never sees the answer key.
    var readsScript: Bool { get }
    /// Whether the stage is given the phrases the scenario's user says (`context.phrases`): the
    /// turns' transcripts as a sorted set, with no order, timing or turn attached — what a real
    /// deployment gives a recogniser as its domain grammar or hot words. Default false. It is
    /// knowledge the user chooses to give a real component, so a stage declares it only when its
    /// parameters ask for it, and the choice is reported with the run (it lowers the error rate).
    var readsPhrases: Bool { get }

    /// Called once before the first frame, at run-clock time zero of its session.
    func started(context: StageContext)
    /// One frame in. Throwing fails the frame's turn with the error as the reason; the run goes on.
    func receive(_ frame: Frame, context: StageContext) throws
    /// Called once after the session's source has ended and its work has drained.
    func finished(context: StageContext)
}

public extension Stage {
    var timing: StageTiming { .modelled }
    var readsScript: Bool { false }
    var readsPhrases: Bool { false }
    func started(context: StageContext) {}
    func finished(context: StageContext) {}
}

/// What a stage's compute costs on the virtual clock.
public enum StageTiming: Sendable {
    /// The stage models its delays with `schedule(after:_:)`; its own CPU time is free, which keeps
    /// virtual runs byte-identical across machines.
    case modelled
    /// The stage does real work (an engine, a codec): virtual time charges the wall time each call
    /// took, and the stage is busy — frames queue behind it — until that time has passed.
    case measured
}

/// A stage failed a turn. `StageContext.fail` and a throwing `receive` both end here.
public struct StageFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public var stage: String
    public var reason: String
    public init(stage: String, reason: String) {
        self.stage = stage
        self.reason = reason
    }
    public var description: String { "\(stage): \(reason)" }
}
