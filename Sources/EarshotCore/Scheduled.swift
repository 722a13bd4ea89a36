/// Work a stage scheduled with `StageContext.schedule(after:_:)`, which it can still call off.
///
/// Confined to its stage like the context: cancel it from the stage's own code. A cancelled
/// handle's work never runs, on either clock, so a stage needs no generation counter to ignore a
/// timer that belongs to a reply it has since dropped.
public final class Scheduled {
    public private(set) var isCancelled = false
    /// Whether the work has run.
    public internal(set) var hasRun = false

    init() {}

    public func cancel() { isCancelled = true }
}
