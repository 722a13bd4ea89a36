/// A stage's whole world, as `ChannelHandlerContext` is a swift-nio handler's: the run clock,
/// the way to the next stages, timed work, marks, and the stage's own seeded randomness.
///
/// One context per stage per session, confined with its stage; it also keeps that stage's records
/// (marks, per-turn timings) so recording needs no lock.
public final class StageContext {
    public let stageName: String
    /// Index of the session within the run (0-based).
    public let session: Int
    /// The scenario this session plays; scripted stages read the expected replies from it.
    public let scenario: Scenario
    /// This stage's own generator, split from the session seed by the stage's name and occurrence:
    /// adding a stage elsewhere does not change these draws.
    public let random: SeededRandom

    unowned(unsafe) let driver: SessionDriver
    let node: Int
    let measuresBusyTime: Bool
    var record = StageRecord()

    init(stageName: String, session: Int, scenario: Scenario, random: SeededRandom,
         driver: SessionDriver, node: Int, measuresBusyTime: Bool) {
        self.stageName = stageName
        self.session = session
        self.scenario = scenario
        self.random = random
        self.driver = driver
        self.node = node
        self.measuresBusyTime = measuresBusyTime
    }

    /// The run clock, relative to this session's start (timeline zero of its scenario).
    public var now: RunTime { driver.now(node: node) }

    /// Forwards `frame` (keeping its origin) to the next stages.
    public func emit(_ frame: Frame) {
        let now = driver.now(node: node)
        record.noteOutput(turn: frame.turn, at: now)
        driver.emit(frame, from: node, at: now)
    }

    /// Emits a new frame for `turn`.
    public func emit(_ payload: Frame.Payload, turn: Int) {
        emit(Frame(payload, turn: turn, origin: now))
    }

    /// Runs `work` on this stage after `delay` of run-clock time (exactly, in virtual time).
    public func schedule(after delay: Duration, _ work: @escaping () -> Void) {
        driver.schedule(after: delay, node: node, work)
    }

    /// Records `mark` for `turn` at `now`. The first mark of a name per turn counts.
    public func mark(_ mark: Mark, turn: Int) {
        record.mark(mark, turn: turn, at: now)
    }

    /// Fails `turn` with a reason; the turn's outcome becomes `failed`, the run goes on.
    public func fail(turn: Int, reason: String) {
        record.fail(turn: turn, failure: StageFailure(stage: stageName, reason: reason))
    }
}

/// The runtime behind a context: real time or virtual.
protocol SessionDriver: AnyObject {
    func now(node: Int) -> RunTime
    func emit(_ frame: Frame, from node: Int, at now: RunTime)
    func schedule(after delay: Duration, node: Int, _ work: @escaping () -> Void)
}
