import Foundation
import Synchronization

/// Outside work's way onto a virtual clock (`StageInbox`): posts from any thread, each stamped with
/// the run-clock time it arrived at, and the horizon the clock may not pass while an inbox is open.
///
/// An inbox opened at virtual time v and wall time w maps a post at wall time w' to v + (w' − w).
/// While it is open the scheduler handles only events at or before v + (now − w): the clock keeps
/// pace with the wall, so nothing the outside work may still post can land in the past. Stamps are
/// read under the lock that `collect` reads the wall clock under, which is what makes that hold.
final class Mailbox: @unchecked Sendable {
    struct Mail {
        var time: Int64
        var session: Int32
        var node: Int32
        var work: () -> Void
    }

    private let condition = NSCondition()
    private var mail: [Mail] = []
    /// The offsets (virtual − wall at opening) of the inboxes still open, as a multiset.
    private var open: [Int64: Int] = [:]
    /// Open inboxes plus undelivered mail, readable without the lock for the scheduler's fast path.
    private let active = Atomic<Int>(0)

    var isActive: Bool { active.load(ordering: .acquiring) > 0 }

    /// A new inbox opened at virtual time `virtual`; returns its offset.
    func opened(at virtual: Int64) -> Int64 {
        condition.lock()
        defer { condition.unlock() }
        let offset = virtual - MonotonicClock.now()
        open[offset, default: 0] += 1
        active.add(1, ordering: .releasing)
        return offset
    }

    /// Whether an inbox has closed; read and written only under the mailbox's lock.
    final class InboxState: @unchecked Sendable {
        var closed = false
    }

    /// Stamps and files one post; `closing` also ends its inbox's hold on the clock. Nothing is filed once `state` is closed.
    func put(offset: Int64, session: Int32, node: Int32, closing: Bool, state: InboxState, _ work: @escaping () -> Void) {
        condition.lock()
        defer { condition.unlock() }
        guard !state.closed else { return }
        mail.append(Mail(time: offset + MonotonicClock.now(), session: session, node: node, work: work))
        active.add(1, ordering: .releasing)
        if closing {
            state.closed = true
            if let n = open[offset] { open[offset] = n > 1 ? n - 1 : nil }
            active.subtract(1, ordering: .releasing)
        }
        condition.signal()
    }

    /// The mail that has come in, none of it earlier than `now` (the clock that collects it), and
    /// how far the clock may go now (nil: no inbox is open).
    func collect(now: Int64) -> (mail: [Mail], horizon: Int64?, offset: Int64?) {
        condition.lock()
        defer { condition.unlock() }
        var taken = mail
        mail.removeAll(keepingCapacity: true)
        for i in taken.indices where taken[i].time < now { taken[i].time = now }
        active.subtract(taken.count, ordering: .releasing)
        guard let offset = open.keys.min() else { return (taken, nil, nil) }
        return (taken, offset + MonotonicClock.now(), offset)
    }

    /// Waits until mail comes in or the wall clock reaches `wall`.
    func wait(untilWall wall: Int64) {
        condition.lock()
        defer { condition.unlock() }
        guard mail.isEmpty else { return }
        let left = wall - MonotonicClock.now()
        guard left > 0 else { return }
        _ = condition.wait(until: Date(timeIntervalSinceNow: Double(left) / 1e9))
    }
}

/// An inbox on a virtual clock: its posts go through the session's mailbox.
final class VirtualInboxPort: InboxPort, @unchecked Sendable {
    private let mailbox: Mailbox
    private let offset: Int64
    private let session: Int32
    private let node: Int32
    private let state = Mailbox.InboxState()
    private let onClose: UncheckedBox<() -> Void>

    init(mailbox: Mailbox, at virtual: Int64, session: Int32, node: Int32, onClose: @escaping () -> Void) {
        self.mailbox = mailbox
        self.offset = mailbox.opened(at: virtual)
        self.session = session
        self.node = node
        self.onClose = UncheckedBox(onClose)
    }

    func post(_ work: @escaping () -> Void) {
        mailbox.put(offset: offset, session: session, node: node, closing: false, state: state, work)
    }

    func close() {
        let onClose = self.onClose
        mailbox.put(offset: offset, session: session, node: node, closing: true, state: state) { onClose.value() }
    }
}
