/// A stage's whole world, as `ChannelHandlerContext` is a swift-nio handler's: the run clock,
/// the way to the next stages, timed work, marks, and the stage's own seeded randomness.
///
/// One context per stage per session, confined with its stage; it also keeps that stage's records
/// (marks, per-turn timings) so recording needs no lock.
public final class StageContext {
    public let stageName: String
    /// Index of the session within the run (0-based).
    public let session: Int
    /// The session's script — expected replies and ground truth — for a stage that declares
    /// `readsScript`; nil for every other stage.
    public let script: ScenarioScript?
    /// The phrases the session's user says (`ScenarioScript.phrases`), for a stage that declares
    /// `readsPhrases`; nil for every other stage.
    public let phrases: [String]?
    /// This stage's own generator, split from the session seed by the stage's name and occurrence:
    /// adding a stage elsewhere does not change these draws.
    public let random: SeededRandom

    unowned(unsafe) let driver: SessionDriver
    let node: Int
    let measuresBusyTime: Bool
    var record = StageRecord()
    /// The user's ends of speech (ground truth), in order, for `deliveredUserAudio`; the runtime's, never shown to the stage.
    let speechEnds: [(end: Duration, turn: Int)]
    private var nextSpeechEnd = 0
    /// Open inboxes holding this stage's input, and the frames waiting for them to close.
    var holds = 0
    var backlog: [Frame] = []

    init(stageName: String, session: Int, script: ScenarioScript?, phrases: [String]? = nil,
         speechEnds: [(end: Duration, turn: Int)], random: SeededRandom, driver: SessionDriver, node: Int, measuresBusyTime: Bool) {
        self.speechEnds = speechEnds
        self.stageName = stageName
        self.session = session
        self.script = script
        self.phrases = phrases
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

    /// In real time, the serial queue this stage runs on: an executor's, or the event loop its
    /// session runs on (`StageSpec.executors`), which a stage with a socket can put it on. Nil on
    /// the virtual clock.
    public var queue: (any SerialQueue)? { driver.queue(node: node) }

    /// Runs `work` on this stage after `delay` of run-clock time (exactly, in virtual time), unless
    /// the returned handle is cancelled first.
    @discardableResult
    public func schedule(after delay: Duration, _ work: @escaping () -> Void) -> Scheduled {
        let handle = Scheduled()
        driver.schedule(after: delay, node: node, handle: handle) {
            guard !handle.isCancelled else { return }
            handle.hasRun = true
            work()
        }
        return handle
    }

    /// Opens a way in for outside work (an HTTP client's callbacks, a reader thread): what is posted
    /// to it reaches `receive` on this stage's context, at the run-clock time it arrived.
    /// `holdingInput` keeps frames for this stage waiting until the inbox closes. Close it when
    /// the outside work is over: in virtual time an open inbox keeps the session's clock at the
    /// wall clock's pace, and a session does not finish while one is open.
    public func openInbox<Value: Sendable>(of type: Value.Type = Value.self, holdingInput: Bool = false,
                                           _ receive: @escaping (Value) -> Void) -> StageInbox<Value> {
        if holdingInput { holds += 1 }
        return StageInbox(port: driver.openPort(node: node, holdsInput: holdingInput), receive: receive)
    }

    /// Runs `job` — a call that blocks or takes milliseconds: an engine, a child process's reply,
    /// voicing audio — off the executors, then hands its result to `then` on this stage's context.
    /// Frames for this stage wait, in order, until `then` has run, as behind any busy stage.
    /// In real time the job runs on the blocking pool; in virtual time it runs at once and the
    /// result arrives as much run-clock time later as the job took on the wall clock. The job's
    /// wall time counts as the stage's busy time for `turn`.
    /// The job must not touch the stage's state: it gets what it needs and returns a value.
    public func perform<T: Sendable>(for turn: Int, _ job: @escaping @Sendable () throws -> T,
                                     then: @escaping (JobResult<T>) -> Void) {
        perform(for: turn, streaming: { (inbox: StageInbox<JobResult<T>>) in inbox.post(Result { try job() }) },
                receive: then)
    }

    /// As `perform(for:_:then:)`, for a job that hands back several values as it goes (a child's
    /// reply lines): each reaches `receive` when the job posted it; frames wait until the job returns.
    public func perform<Value: Sendable>(for turn: Int, streaming job: @escaping @Sendable (StageInbox<Value>) -> Void,
                                         receive: @escaping (Value) -> Void) {
        let inbox = openInbox(of: Value.self, holdingInput: true, receive)
        let me = UncheckedBox(self)
        driver.runBlocking(node: node) {
            let start = ContinuousClock.now
            job(inbox)
            let spent = ContinuousClock.now - start
            inbox.run { me.value.record.addBusy(turn: turn, spent) }
            inbox.close()
        }
    }

    /// Says that the far end of a transport now has the user's audio through the first `samples`
    /// samples (at `sampleRate`) of the session's timeline. The runtime marks `uplink` now for every
    /// turn whose speech ends within them: the stage reports how far the audio got, the runtime
    /// knows where the user stopped speaking.
    public func deliveredUserAudio(through samples: Int, sampleRate: Int) {
        while nextSpeechEnd < speechEnds.count {
            let (end, turn) = speechEnds[nextSpeechEnd]
            // The audio before `end` is every sample whose instant comes before it: a part of a sample counts whole.
            guard (end.nanoseconds * Int64(sampleRate) + 999_999_999) / 1_000_000_000 <= samples else { return }
            record.mark(.uplink, turn: turn, at: now)
            nextSpeechEnd += 1
        }
    }

    /// Records `mark` for `turn` at `now`. The first mark of a name per turn counts.
    public func mark(_ mark: Mark, turn: Int) {
        record.mark(mark, turn: turn, at: now)
    }

    /// Records what a recogniser made of `turn`'s speech: its final transcript, empty when it
    /// heard no words. The report shows it beside the user's own words and scores it (WER); a
    /// modelled recogniser that hears no words records nothing.
    public func recordTranscript(_ text: String, turn: Int) {
        record.transcript(text, turn: turn, at: now)
    }

    /// Records that setting up a connection (TCP connect, TLS handshake) took `setUp`, apart from
    /// any turn: no CSV column holds it, and run.json sums it up per design (`connect`). A stage
    /// that opens its connection inside a turn still records it here, so the two can be told apart.
    public func recordConnection(_ setUp: Duration) {
        record.recordConnection(setUp)
    }

    /// Records a connection this stage tried to set up and could not (refused, timed out, a
    /// handshake that failed): run.json counts them per design (`connect.failed`) beside the
    /// set-ups, so a run at load says how many callers never got through. The turn it cost is
    /// failed apart, with the reason.
    public func recordFailedConnection() {
        record.recordFailedConnection()
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
    /// `handle` is the stage's; a driver may keep it to tell work still due from work called off.
    func schedule(after delay: Duration, node: Int, handle: Scheduled, _ work: @escaping () -> Void)
    /// A port for a new inbox of `node`'s; its `close` lets go of the hold when `holdsInput`.
    func openPort(node: Int, holdsInput: Bool) -> any InboxPort
    /// Runs a blocking job: on the blocking pool in real time; at once in virtual time (its posts
    /// stamped with the wall time they were made, so the result is charged what the job took).
    func runBlocking(node: Int, _ job: @escaping @Sendable () -> Void)
    /// The serial queue `node` runs on in real time; nil on other clocks.
    func queue(node: Int) -> (any SerialQueue)?
}

extension SessionDriver {
    func queue(node: Int) -> (any SerialQueue)? { nil }
}
