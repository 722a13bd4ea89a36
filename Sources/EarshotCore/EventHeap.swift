/// A binary min-heap of scheduled events ordered by (time, sequence): equal times run in the
/// order they were scheduled, which is what makes virtual runs deterministic.
///
/// The heap itself holds only plain keys; the events' payloads (frames with their audio, closures)
/// sit still in a slot table, so sifting swaps 24-byte keys instead of retaining and releasing
/// payloads at every level. It is concrete rather than generic on purpose: a generic heap went
/// through value-witness calls for every copy of an event, thousands of instructions per event.
struct EventHeap {
    struct Key {
        var time: Int64
        var sequence: UInt64
        var slot: Int32

        @inline(__always) func precedes(_ other: Key) -> Bool {
            time < other.time || (time == other.time && sequence < other.sequence)
        }
    }

    enum Action {
        /// The source's frame k is due.
        case tick(Int)
        case deliver(Frame)
        case timer(() -> Void)
    }

    struct Event {
        var session: Int32
        var node: Int32
        var action: Action
    }

    private var keys: [Key] = []
    private var slots: [Event?] = []
    private var free: [Int32] = []
    private var sequence: UInt64 = 0

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }

    mutating func push(time: Int64, session: Int32, node: Int32, _ action: Action) {
        let event = Event(session: session, node: node, action: action)
        let slot: Int32
        if let f = free.popLast() {
            slot = f
            slots[Int(f)] = event
        } else {
            slot = Int32(slots.count)
            slots.append(event)
        }
        let key = Key(time: time, sequence: sequence, slot: slot)
        sequence &+= 1
        keys.append(key)
        // Sifting runs on the raw buffer: the array's bounds and uniqueness checks at every level
        // cost more than the comparisons themselves.
        keys.withUnsafeMutableBufferPointer { k in
            var i = k.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard key.precedes(k[parent]) else { break }
                k[i] = k[parent]
                i = parent
            }
            k[i] = key
        }
    }

    /// The earliest event's time.
    var peekTime: Int64? { keys.first?.time }

    /// The earliest event's time and event, left in place.
    func peek() -> (time: Int64, event: Event)? {
        guard let top = keys.first else { return nil }
        return (top.time, slots[Int(top.slot)]!)
    }

    /// The earliest event and its time.
    mutating func pop() -> (time: Int64, event: Event)? {
        guard let top = keys.first else { return nil }
        let last = keys.removeLast()
        if !keys.isEmpty {
            keys.withUnsafeMutableBufferPointer { k in
                var i = 0
                let n = k.count
                while true {
                    let l = 2 * i + 1
                    guard l < n else { break }
                    let r = l + 1
                    let c = r < n && k[r].precedes(k[l]) ? r : l
                    guard k[c].precedes(last) else { break }
                    k[i] = k[c]
                    i = c
                }
                k[i] = last
            }
        }
        let s = Int(top.slot)
        let event = slots[s].take()!
        free.append(top.slot)
        return (top.time, event)
    }
}
