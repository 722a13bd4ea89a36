import EarshotCore

/// A receiver's adaptive jitter buffer: holds packets that arrive early, releases them in order
/// on a steady playout clock, and says what to do about a packet that is not there in time.
///
/// The playout clock maps a packet's send timestamp to its playout time by adding a transit
/// allowance D. D is set when a stream starts (or restarts after a pause) to the fastest transit
/// seen plus the target delay, where the target is the `quantile` of recent transits above that
/// fastest one, kept within `minDelay...maxDelay` — the shape of WebRTC NetEq's delay manager.
/// During a stream D moves a frame at a time: it grows when a packet is missing and nothing later
/// has arrived (concealment plays while the buffer waits, "expand"), and shrinks when the caller
/// finds the frame it just got quiet and `accelerate()` agrees (a quiet frame dropped, as NetEq
/// prefers to do in silence). With no jitter the buffer therefore holds every packet for exactly
/// `minDelay`.
///
/// Pure bookkeeping on run-clock times: the caller pulls at `nextPlayout` and decodes.
public struct JitterBuffer: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var frameDuration: Duration
        public var minDelay: Duration
        public var maxDelay: Duration
        /// Share of recent packets the target delay should have arrived in time for.
        public var quantile: Double
        /// Packets the transit statistics remember.
        public var window: Int
        /// Frames concealed in a row while waiting for a packet before the stream counts as paused
        /// (the sender went quiet, or a long loss burst).
        public var maxExpansions: Int

        public init(frameDuration: Duration = .milliseconds(20), minDelay: Duration = .milliseconds(20),
                    maxDelay: Duration = .milliseconds(400), quantile: Double = 0.95, window: Int = 100,
                    maxExpansions: Int = 5) {
            precondition(frameDuration > .zero && minDelay >= .zero && maxDelay >= minDelay, "bad jitter buffer delays")
            precondition((0...1).contains(quantile) && window > 0 && maxExpansions >= 0, "bad jitter buffer statistics")
            self.frameDuration = frameDuration
            self.minDelay = minDelay
            self.maxDelay = maxDelay
            self.quantile = quantile
            self.window = window
            self.maxExpansions = maxExpansions
        }
    }

    /// What to play at a playout tick.
    public enum Output: Sendable, Equatable {
        /// Decode and play this packet.
        case packet(EncodedPacket)
        /// Packet `lost` is gone but the next one is here: rebuild it from that packet's FEC data.
        case recover(lost: Int, from: EncodedPacket)
        /// Conceal one frame (PLC). `lost` names the packet given up on; nil while the buffer is
        /// still waiting for a packet that may only be late.
        case conceal(lost: Int?)
        /// Nothing to play now; pull again at `nextPlayout`, or after the next insert when that is nil.
        case nothing
    }

    private struct Entry: Sendable {
        var packet: EncodedPacket
        /// The sender's media timestamp, on the run clock.
        var sentAt: RunTime
    }

    public let configuration: Configuration
    private var entries: [Int: Entry] = [:]
    /// Recent transits in arrival order (a ring), and the same values kept sorted.
    private var transits: [Int64] = []
    private var sortedTransits: [Int64] = []
    private var transitCursor = 0
    private var fastestTransit: Int64 = 0
    private var playing = false
    /// The sequence number due to play next.
    public private(set) var nextSequence = 0
    /// Packets below this are never played: they belong to audio already given up on or cut.
    private var floor = 0
    private var lastSentAt = RunTime.zero
    /// The transit allowance D, in nanoseconds.
    private var allowance: Int64 = 0
    private var expansions = 0

    /// The delay the buffer aims for now, from recent transits.
    public private(set) var targetDelay: Duration
    /// When the caller should pull next; nil while paused.
    public private(set) var nextPlayout: RunTime?
    public private(set) var lateDiscards = 0

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.targetDelay = configuration.minDelay
    }

    private var frame: Int64 { configuration.frameDuration.nanoseconds }

    /// How long the buffer holds a packet that took the fastest transit seen: its added delay.
    public var currentDelay: Duration { .nanoseconds(playing ? allowance - fastestTransit : targetDelay.nanoseconds) }

    /// Packets waiting.
    public var count: Int { entries.count }

    /// No packet below this sequence number is taken in any more (`insert` refuses it): what a
    /// caller keeps per packet below it can go.
    public var oldestAccepted: Int { playing ? max(floor, nextSequence) : floor }

    /// True when a pull now would have to conceal while waiting: the next packet is not here and
    /// no later one is. A caller on a virtual clock may let the instant's other events run first,
    /// so that a packet arriving exactly on time is in time.
    public var isStarved: Bool {
        playing && entries[nextSequence] == nil && !entries.keys.contains { $0 > nextSequence }
    }

    /// Takes a packet in. `timestamp` is the sender's media clock for it (an RTP timestamp, on
    /// the run clock): consecutive packets of a stream are a frame apart whenever they were sent.
    /// Returns false for a packet that is too late (its turn has passed) or a duplicate.
    @discardableResult
    public mutating func insert(_ packet: EncodedPacket, timestamp sentAt: RunTime, arrivedAt: RunTime) -> Bool {
        let seq = packet.sequence
        guard seq >= floor, !(playing && seq < nextSequence), entries[seq] == nil else {
            lateDiscards += 1
            return false
        }
        observe(transit: (arrivedAt - sentAt).nanoseconds)
        entries[seq] = Entry(packet: packet, sentAt: sentAt)
        if !playing {
            playing = true
            nextSequence = seq
            expansions = 0
            let transit = (arrivedAt - sentAt).nanoseconds
            allowance = max(transit, fastestTransit + targetDelay.nanoseconds)
            nextPlayout = sentAt + .nanoseconds(allowance)
        }
        return true
    }

    /// What to play at `now` (normally `nextPlayout`); moves `nextPlayout` on.
    public mutating func pull(at now: RunTime) -> Output {
        guard playing else { return .nothing }
        if let entry = entries[nextSequence] {
            let due = entry.sentAt + .nanoseconds(allowance)
            // A packet sent after a pause in the sender plays by its own timestamp, not the slot's.
            guard due <= now else {
                nextPlayout = due
                return .nothing
            }
            entries[nextSequence] = nil
            expansions = 0
            lastSentAt = entry.sentAt
            nextSequence += 1
            scheduleNext()
            return .packet(entry.packet)
        }
        if let later = entries.keys.filter({ $0 > nextSequence }).min() {
            if expansions > 0 {
                // The frames concealed while waiting already stood in for this packet: give it up
                // without playing anything more, and take back the delay that waiting added.
                expansions -= 1
                allowance -= frame
                giveUp()
                return pull(at: now)
            }
            let lost = giveUp()
            scheduleNext()
            if later == lost + 1, let next = entries[later] { return .recover(lost: lost, from: next.packet) }
            return .conceal(lost: lost)
        }
        if expansions < configuration.maxExpansions {
            expansions += 1
            allowance += frame
            nextPlayout = now + configuration.frameDuration
            return .conceal(lost: nil)
        }
        pause()
        return .nothing
    }

    /// Whether the delay stands a frame or more above the target, so `accelerate()` would shrink it.
    public var canAccelerate: Bool {
        playing && allowance - frame >= fastestTransit + targetDelay.nanoseconds
    }

    /// Shrinks the delay by one frame when it stands a frame or more above the target: the
    /// caller drops the frame it just pulled (quiet, so nobody hears it go) and pulls again now.
    public mutating func accelerate() -> Bool {
        guard canAccelerate else { return false }
        allowance -= frame
        scheduleNext()
        return true
    }

    /// Forgets every packet below `sequence` and stops the playout clock until the next insert:
    /// the sender cut its stream there (an interruption), so what is queued must not be heard.
    public mutating func cut(before sequence: Int) {
        floor = max(floor, sequence)
        entries = entries.filter { $0.key >= floor }
        pause()
    }

    @discardableResult
    private mutating func giveUp() -> Int {
        let lost = nextSequence
        nextSequence += 1
        lastSentAt = lastSentAt + configuration.frameDuration
        return lost
    }

    private mutating func scheduleNext() {
        let sent = entries[nextSequence]?.sentAt ?? (lastSentAt + configuration.frameDuration)
        nextPlayout = sent + .nanoseconds(allowance)
    }

    private mutating func pause() {
        playing = false
        expansions = 0
        nextPlayout = nil
        floor = max(floor, nextSequence)
        entries = entries.filter { $0.key >= floor }
        // Packets already here start the next stream at once.
        if let first = entries.min(by: { $0.key < $1.key }) {
            let packet = first.value
            entries[first.key] = nil
            insertAfterPause(packet.packet, sentAt: packet.sentAt)
        }
    }

    private mutating func insertAfterPause(_ packet: EncodedPacket, sentAt: RunTime) {
        playing = true
        nextSequence = packet.sequence
        entries[packet.sequence] = Entry(packet: packet, sentAt: sentAt)
        allowance = fastestTransit + targetDelay.nanoseconds
        nextPlayout = sentAt + .nanoseconds(allowance)
    }

    private mutating func observe(transit: Int64) {
        if transits.count < configuration.window {
            transits.append(transit)
        } else {
            let evicted = transits[transitCursor]
            sortedTransits.remove(at: Self.position(of: evicted, in: sortedTransits))
            transits[transitCursor] = transit
            transitCursor = (transitCursor + 1) % configuration.window
        }
        sortedTransits.insert(transit, at: Self.position(of: transit, in: sortedTransits))
        fastestTransit = sortedTransits[0]
        let n = sortedTransits.count
        let index = min(n - 1, Int((configuration.quantile * Double(n - 1)).rounded(.up)))
        let excess = Duration.nanoseconds(sortedTransits[index] - fastestTransit)
        targetDelay = min(max(excess, configuration.minDelay), configuration.maxDelay)
    }

    /// The first index in `sorted` whose value is not below `value`.
    private static func position(of value: Int64, in sorted: [Int64]) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
