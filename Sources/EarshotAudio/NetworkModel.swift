import EarshotCore

/// One direction of a network path, packet by packet: a fixed one-way delay, a drawn queueing
/// delay on top (jitter), bursty loss, and optionally reordering.
///
/// It only answers "when does a packet sent now arrive, if at all"; the transport stage turns
/// that into scheduled work on the run clock.
public struct NetworkModel: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Propagation plus every fixed cost on the path: the smallest one-way delay a packet sees.
        public var delay: Duration
        /// Extra delay per packet on top of `delay` (queueing, radio scheduling, retries).
        public var jitter: DelayDistribution
        public var loss: GilbertElliott
        /// When false the path is one FIFO queue: a packet never overtakes an earlier one, so a
        /// delayed packet holds up those behind it. When true each packet's delay is its own
        /// (multipath, parallel radio bearers) and later packets can arrive first.
        public var reorders: Bool

        public init(delay: Duration = .zero, jitter: DelayDistribution = .fixed(.zero),
                    loss: GilbertElliott = .lossless, reorders: Bool = false) {
            self.delay = delay
            self.jitter = jitter
            self.loss = loss
            self.reorders = reorders
        }

        /// No network: zero delay, no jitter, no loss.
        public static let none = Configuration()
    }

    public let configuration: Configuration
    private var loss: GilbertElliott
    private var lastArrival: RunTime?
    public private(set) var sent = 0
    public private(set) var lost = 0

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        self.loss = configuration.loss
    }

    /// The arrival time of a packet sent at `time`, or nil when the path loses it. Draws from
    /// `random` in a fixed order (loss, then delay) so a seed replays the same path.
    public mutating func transmit(at time: RunTime, random: SeededRandom) -> RunTime? {
        sent += 1
        if loss.next(random) {
            lost += 1
            return nil
        }
        var arrival = time + configuration.delay + configuration.jitter.sample(random)
        if !configuration.reorders, let last = lastArrival, arrival < last { arrival = last }
        lastArrival = arrival
        return arrival
    }
}
