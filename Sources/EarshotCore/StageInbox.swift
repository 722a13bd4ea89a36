import Synchronization

/// The way back into a stage from outside its confinement: an HTTP client's delegate, a thread
/// reading a child's pipe, a blocking engine call on the blocking pool.
///
/// Values posted from any thread reach the stage's `receive` closure on the stage's own context,
/// in order, with `context.now` reading the time they arrived: in real time the stage's serial
/// queue runs them as soon as they are posted; in virtual time the session's clock follows the
/// wall clock while an inbox is open, so a post made 300 ms of wall time after the inbox opened
/// arrives 300 ms of run-clock time later, exactly — waiting is charged as what it measured.
///
/// An inbox that holds input (`openInbox(holdingInput: true)`) keeps the frames that reach its
/// stage waiting, in order, until it closes: the stage is busy with outside work, as a blocking
/// call would make it, without blocking the executor. Posts after `close()` are dropped.
public final class StageInbox<Value: Sendable>: Sendable {
    private let port: any InboxPort
    private let receive: UncheckedBox<(Value) -> Void>

    init(port: any InboxPort, receive: @escaping (Value) -> Void) {
        self.port = port
        self.receive = UncheckedBox(receive)
    }

    /// Hands `value` to the stage. Safe from any thread.
    public func post(_ value: Value) {
        let receive = self.receive
        port.post { receive.value(value) }
    }

    /// Runs `work` on the stage's context, in order with the posts: the runtime's own bookkeeping.
    func run(_ work: @escaping () -> Void) {
        let work = UncheckedBox(work)
        port.post { work.value() }
    }

    /// No more values; the stage's input is let go if the inbox held it. Safe from any thread; idempotent.
    public func close() { port.close() }
}

/// What a runtime gives an inbox: a way to run work on the stage's context from another thread.
protocol InboxPort: Sendable {
    func post(_ work: @escaping () -> Void)
    func close()
}

/// A blocking job's result, handed back to the stage that started it (`StageContext.perform`).
public typealias JobResult<T: Sendable> = Result<T, any Error>
