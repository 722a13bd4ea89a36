import EarshotCore
import NIOCore
import NIOPosix

/// A swift-nio event loop as one of the real-time runtime's executors. A session whose stages
/// talk over sockets runs on the loop its connections use: the user's audio goes from the pacer
/// to the socket, and the agent's audio from the socket to playout, on one thread, where a Dispatch
/// executor would add a hop to the loop and one back for every message.
public struct EventLoopExecutor: Executor {
    public let loop: EventLoop

    public init(loop: EventLoop) { self.loop = loop }

    /// One executor per loop of `group`.
    public static func all(of group: MultiThreadedEventLoopGroup = .singleton) -> [any Executor] {
        group.makeIterator().map { EventLoopExecutor(loop: $0) }
    }

    /// A loop runs one task at a time, in order: every stage of a session can share it.
    public func makeQueue(label: String) -> any SerialQueue { self }

    public func run(_ work: @escaping @Sendable () -> Void) { loop.execute(work) }

    public func run(atUptime uptime: Int64, _ work: @escaping @Sendable () -> Void) {
        loop.scheduleTask(deadline: .uptimeNanoseconds(UInt64(max(0, uptime))), work)
    }

    public func runAndWait(_ work: () -> Void) {
        precondition(!loop.inEventLoop, "runAndWait from the loop itself would wait forever")
        withoutActuallyEscaping(work) { work in
            let box = WorkBox(work)
            try? loop.submit {
                box.work?()
                // Let go of it before the waiter resumes: the loop still holds the task a moment longer.
                box.work = nil
            }.wait()
        }
    }
}

/// Carries a closure that `runAndWait` keeps alive and waits on, into the loop.
private final class WorkBox: @unchecked Sendable {
    var work: (() -> Void)?
    init(_ work: @escaping () -> Void) { self.work = work }
}
