import Synchronization

/// A request from outside a run (the command line, on SIGINT or SIGTERM) to stop early and keep
/// what has finished. A virtual run starts no new batch and lets the running ones end (their
/// sessions are whole); a real-time run stops its clock and keeps the turns whose outcome can no
/// longer change (`SessionLedger.turnsFinished(by:)`).
public final class RunStop: Sendable {
    private let requested = Atomic<Bool>(false)

    public init() {}

    public func request() { requested.store(true, ordering: .relaxed) }

    public var isRequested: Bool { requested.load(ordering: .relaxed) }
}
