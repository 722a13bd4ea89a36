@testable import EarshotCore
import Testing

/// The queue must give events in exactly the heap's (time, sequence) order: virtual runs are
/// byte-identical only if it does.
@Suite struct EventQueueTests {
    /// A simulation in miniature: each event taken schedules a few more, some at the current instant
    /// and some later, drawn from a seeded generator. The queue and a bare heap fed the same pushes
    /// must hand back the same events in the same order.
    @Test func givesTheHeapsOrderWhateverMixOfNowAndLaterIsScheduled() {
        var queue = EventQueue()
        var heap = EventHeap()
        var heapNow: Int64 = 0
        let random = SeededRandom(runSeed: 7, session: 0)
        var label: Int = 0
        func push(_ delay: Int64, now: Int64) {
            queue.push(time: now + delay, session: 0, node: Int32(label), .tick(label))
            heap.push(time: now + delay, session: 0, node: Int32(label), .tick(label))
            label += 1
        }
        for _ in 0..<5 { push(Int64(random.next() % 3), now: 0) }
        var taken = 0
        while let (time, event) = queue.pop() {
            let (heapTime, heapEvent) = heap.pop()!
            heapNow = heapTime
            #expect(time == heapTime && event.node == heapEvent.node, "event \(taken)")
            guard time == heapTime && event.node == heapEvent.node else { return }
            taken += 1
            if label < 5_000 {
                for _ in 0..<Int(1 + random.next() % 2) {
                    // Half at the current instant (the FIFO), half up to 3 ns later (the heap).
                    push(random.next() % 2 == 0 ? 0 : Int64(random.next() % 4), now: heapNow)
                }
            }
        }
        #expect(heap.pop() == nil)
        #expect(taken == label)
        #expect(taken > 1_000)
    }
}
