/// The virtual runtime's schedule: events in (time, sequence) order, held as a heap for the future
/// and a first-in-first-out list for the present instant.
///
/// Most events are frames handed to the next stage at the current instant. Such an event comes
/// after everything already scheduled for this instant (its sequence is the newest), so a plain
/// FIFO holds it in exactly the order the heap would, without sifting through a heap that holds
/// every session's next source frame. The order is unchanged: events already in the heap for this
/// instant were scheduled earlier and run first; the FIFO is empty before the clock moves on.
struct EventQueue {
    typealias Event = EventHeap.Event

    /// The time of the event last taken: the virtual clock.
    private(set) var now: Int64 = 0
    private var future = EventHeap()
    private var present: [Event?] = []
    private var presentHead = 0

    mutating func push(time: Int64, session: Int32, node: Int32, _ action: EventHeap.Action) {
        if time == now {
            present.append(Event(session: session, node: node, action: action))
        } else {
            precondition(time > now, "an event scheduled in the past")
            future.push(time: time, session: session, node: node, action)
        }
    }

    /// When the next event is due; nil when none is scheduled.
    var nextTime: Int64? {
        presentHead < present.count ? now : future.peekTime
    }

    /// The next event in (time, sequence) order, with the clock moved to its time.
    mutating func pop() -> (time: Int64, event: Event)? {
        if let next = future.peekTime, next == now {
            return future.pop()
        }
        if presentHead < present.count {
            let event = present[presentHead].take()!
            presentHead += 1
            if presentHead == present.count {
                present.removeAll(keepingCapacity: true)
                presentHead = 0
            }
            return (now, event)
        }
        guard let next = future.pop() else { return nil }
        now = next.time
        return next
    }
}
