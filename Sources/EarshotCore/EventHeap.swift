/// A binary min-heap of scheduled events ordered by (time, sequence): equal times run in the
/// order they were scheduled, which is what makes virtual runs deterministic.
struct EventHeap<Action> {
    struct Entry {
        var time: Int64
        var sequence: UInt64
        var session: Int32
        var node: Int32
        var action: Action

        @inline(__always) func precedes(_ other: Entry) -> Bool {
            time < other.time || (time == other.time && sequence < other.sequence)
        }
    }

    private var items: [Entry] = []
    private var sequence: UInt64 = 0

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }

    mutating func push(time: Int64, session: Int32, node: Int32, _ action: Action) {
        items.append(Entry(time: time, sequence: sequence, session: session, node: node, action: action))
        sequence &+= 1
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].precedes(items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Entry? {
        guard !items.isEmpty else { return nil }
        if items.count == 1 { return items.removeLast() }
        let top = items[0]
        items[0] = items.removeLast()
        var i = 0
        let n = items.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && items[l].precedes(items[m]) { m = l }
            if r < n && items[r].precedes(items[m]) { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return top
    }
}
