import EarshotAudio
import EarshotCore

/// `uplink` / `downlink`: one leg between the user's device and the agent's server, packet by
/// packet on the run clock.
///
/// Sender: audio is cut into codec frames (zero-padding a frame left incomplete for a frame's
/// time), Opus-encoded, and sent at media rate — a burst of TTS audio leaves one frame per frame
/// duration, as a WebRTC sender paces it. Network: `NetworkModel` decides each packet's arrival or
/// loss. Receiver: `JitterBuffer` releases packets on a playout clock; a missing packet is rebuilt
/// from the next one's in-band FEC when that is there in time, concealed by Opus PLC when not.
/// Decoded frames carry the turn id (and source origin) of the audio they hold.
///
/// What the leg costs shows in the turn's breakdown: the frame wait and the codec's look-ahead
/// (the decoded stream lags the input by it, so the last speech sample comes out in a later frame
/// when it falls in the frame's last 6.5 ms), the network delay and the jitter buffer's hold.
/// The uplink marks `uplink` when the decoded frame holding the user's last speech sample leaves
/// it — ground truth from the scenario, which a harness-side transport may read; it counts input
/// samples from timeline zero, so it must sit right after the source. The downlink marks
/// `downlink` when the first frame of a turn holding audible audio leaves it.
///
/// Events travel a reliable signalling path: the one-way delay, no jitter, no loss. An
/// `interruption` makes the sender drop what it has not sent and the receiver drop what it holds
/// from before the cut, as a client clears its buffer when told the agent was interrupted.
///
/// Timing is modelled: codec compute (a few hundred µs a frame) is not charged, so virtual runs
/// replay byte for byte.
public final class TransportStage: Stage {
    public enum Direction: String, Sendable, CaseIterable {
        case uplink, downlink
    }

    public enum Codec: String, Sendable, CaseIterable {
        case opus
        /// Raw PCM: no look-ahead, loss concealed with silence.
        case pcm
    }

    public struct Configuration: Sendable {
        public var direction: Direction
        public var codec: Codec = .opus
        public var frameDuration: Duration = .milliseconds(20)
        public var bitrate = 32_000
        public var complexity = 9
        public var fec = true
        /// Decoder output rate; nil keeps the codec rate.
        public var outputRate: Int?
        public var network = NetworkModel.Configuration.none
        public var jitterBuffer = JitterBuffer.Configuration()
        /// A downlink frame at or above this level counts as audible for the `downlink` mark.
        public var audibleDBFS = Level.defaultSilenceThresholdDBFS
        /// Decoded frames quieter than this may be dropped to shrink the jitter buffer's delay.
        public var quietDBFS = -60.0

        public init(direction: Direction) { self.direction = direction }
    }

    /// Longest pause in the sender's audio still treated as lateness rather than a new talk spurt.
    static let spurtGap: Duration = .milliseconds(100)

    public var name: String { configuration.direction.rawValue }
    public let consumes: FrameKinds = [.audio, .event]
    public let produces: FrameKinds = [.audio, .event]
    public let configuration: Configuration

    /// Where a frame's audio came from: harness bookkeeping that rides beside the packet.
    private struct Meta {
        var turn: Int
        var origin: RunTime
    }

    private struct Outgoing {
        var samples: [Float]
        var meta: Meta
        /// When the frame was complete and could go: the earliest it is sent.
        var ready: RunTime
    }

    // Sender
    private var encoder: SharedOpusEncoder?
    private var inputResampler: Resampler?
    private var codecRate = 0
    private var samplesPerFrame = 0
    private var lookahead = 0
    private var pending: [Float] = []
    private var pendingMeta = Meta(turn: 0, origin: .zero)
    private var inputsSeen = 0
    private var queue: [Outgoing] = []
    private var nextSendAt = RunTime.zero
    /// The sender's media clock (an RTP timestamp on the run clock) for the next packet.
    private var mediaClock: RunTime?
    private var pumpScheduled = false
    private var nextSequence = 0
    private var network: NetworkModel
    private var networkRandom: SeededRandom?
    private var metas: [Int: Meta] = [:]
    private var pcmFrames: [Int: [Float]] = [:]
    /// `metas` and `pcmFrames` hold nothing below this: a packet lost on the way, or discarded by
    /// the buffer, is never decoded, and its entries would otherwise stay for the whole session.
    private var forgottenBelow = 0

    // Receiver
    private var decoder: OpusDecoder?
    private var outputResampler: Resampler?
    private var buffer: JitterBuffer
    private var tickScheduled: RunTime?
    /// Packets the network model has on their way, with their arrival times.
    private var inFlight: [Int: RunTime] = [:]
    private var lastMeta = Meta(turn: 0, origin: .zero)
    private var lastPCM: Int = 0
    private var markedAudible: Set<Int> = []
    /// Uplink: how far decoded audio lags the input, in codec-rate samples (look-ahead and input resampler).
    private var uplinkLag = 0

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        self.network = NetworkModel(configuration.network)
        self.buffer = JitterBuffer(configuration.jitterBuffer)
    }

    public func started(context: StageContext) {
        networkRandom = context.random.split("network")
    }

    public func receive(_ frame: Frame, context: StageContext) throws {
        switch frame.payload {
        case .audio(let chunk): try send(chunk, frame: frame, context: context)
        case .event(let event): signal(event, turn: frame.turn, context: context)
        default: context.emit(frame)
        }
    }

    // MARK: Sender

    private func prepare(for chunk: AudioChunk, context: StageContext) throws {
        guard samplesPerFrame == 0 else { return }
        guard chunk.channels == 1 else {
            throw StageFailure(stage: name, reason: "transport carries mono audio, got \(chunk.channels) channels")
        }
        let supported = configuration.codec == .pcm || OpusError.supportedSampleRates.contains(chunk.sampleRate)
        codecRate = supported ? chunk.sampleRate : 48_000
        if !supported { inputResampler = try Resampler(from: chunk.sampleRate, to: codecRate) }
        let framed = try Framer(frameDuration: configuration.frameDuration).samplesPerFrame(at: codecRate)
        samplesPerFrame = framed
        let outRate = configuration.outputRate ?? codecRate
        switch configuration.codec {
        case .opus:
            let encoder = try SharedOpusEncoder(OpusEncoder.Configuration(
                sampleRate: codecRate, frameDuration: configuration.frameDuration, bitrate: configuration.bitrate,
                complexity: configuration.complexity, inbandFEC: configuration.fec,
                expectedPacketLossPercent: configuration.fec ? max(1, Int((configuration.network.loss.stationaryLossRate * 100).rounded(.up))) : 0))
            self.encoder = encoder
            lookahead = encoder.lookaheadSamples
            decoder = try OpusDecoder(sampleRate: outRate, frameDuration: configuration.frameDuration)
        case .pcm:
            if outRate != codecRate { outputResampler = try Resampler(from: codecRate, to: outRate) }
        }
        uplinkLag = lookahead + (inputResampler?.outputLatency ?? 0)
    }

    private func send(_ chunk: AudioChunk, frame: Frame, context: StageContext) throws {
        try prepare(for: chunk, context: context)
        let samples = try inputResampler?.process(chunk).samples ?? chunk.samples
        inputsSeen += 1
        pendingMeta = Meta(turn: frame.turn, origin: frame.origin)
        pending += samples
        while pending.count >= samplesPerFrame {
            // Ready when the audio was sent our way (on the virtual clock, the same instant as now).
            queue.append(Outgoing(samples: Array(pending.prefix(samplesPerFrame)), meta: pendingMeta, ready: min(frame.emittedAt, context.now)))
            pending.removeFirst(samplesPerFrame)
        }
        pump(context: context)
        if !pending.isEmpty {
            let seen = inputsSeen
            context.schedule(after: configuration.frameDuration) { [self] in
                guard inputsSeen == seen, !pending.isEmpty else { return }
                pending += repeatElement(0, count: samplesPerFrame - pending.count)
                queue.append(Outgoing(samples: pending, meta: pendingMeta, ready: context.now))
                pending.removeAll()
                pump(context: context)
            }
        }
    }

    private func pump(context: StageContext) {
        let now = context.now
        while !queue.isEmpty, nextSendAt <= now {
            // The modelled sender sends at the time its model says — when the slot opens, or when the
            // frame is ready if that is later — not when the timer happened to fire: on the wall
            // clock a timer is always a little late, and that lateness is the harness's, not the
            // network's. (On the virtual clock the two are the same instant.)
            let out = queue.removeFirst()
            let sendAt = max(nextSendAt, out.ready)
            transmit(out, at: sendAt, context: context)
            // Within a stream the send times step by exactly one frame from the last one.
            nextSendAt = sendAt - nextSendAt < configuration.frameDuration
                ? nextSendAt + configuration.frameDuration : sendAt + configuration.frameDuration
        }
        if !queue.isEmpty, !pumpScheduled {
            pumpScheduled = true
            context.schedule(after: nextSendAt - now) { [self] in
                pumpScheduled = false
                pump(context: context)
            }
        }
    }

    private func transmit(_ out: Outgoing, at now: RunTime, context: StageContext) {
        // Audio that follows on within a gap of `spurtGap` continues the media timeline, so a
        // sender that is a little late shows up at the receiver as jitter; after a longer silence
        // the stream starts afresh at the send time, as a talk spurt does.
        let timestamp = mediaClock.map { now - $0 < Self.spurtGap ? $0 : now } ?? now
        mediaClock = timestamp + configuration.frameDuration
        let sequence = nextSequence
        nextSequence += 1
        metas[sequence] = out.meta
        let packet: EncodedPacket
        if let encoder {
            do {
                packet = try encoder.encode(AudioChunk(samples: out.samples, sampleRate: codecRate))
            } catch {
                context.fail(turn: out.meta.turn, reason: "\(name): \(error)")
                return
            }
        } else {
            pcmFrames[sequence] = out.samples
            packet = EncodedPacket(payload: [1], sequence: sequence, sampleCount: samplesPerFrame, sampleRate: codecRate)
        }
        guard let random = networkRandom, let arrival = network.transmit(at: now, random: random) else { return }
        // With no delay the packet is there at once, before any playout decision of this instant.
        let clock = context.now
        guard arrival > clock else { return arrive(packet, timestamp: timestamp, at: arrival, context: context) }
        inFlight[packet.sequence] = arrival
        context.schedule(after: arrival - clock) { [self] in
            inFlight[packet.sequence] = nil
            arrive(packet, timestamp: timestamp, at: arrival, context: context)
        }
    }

    private func signal(_ event: Event, turn: Int, context: StageContext) {
        var cut: Int?
        if event == .interruption {
            queue.removeAll()
            pending.removeAll()
            cut = nextSequence
            // A clean cut: the encoder's look-ahead still holds the interrupted reply's last
            // samples, and the next reply's first packet would carry them across the cut.
            try? encoder?.reset()
        }
        context.schedule(after: configuration.network.delay) { [self] in
            context.emit(.event(event), turn: turn)
            if let cut {
                try? decoder?.reset()
                buffer.cut(before: cut)
                forgetPassedPackets()
                tickScheduled = nil
                scheduleTick(context: context)
            }
        }
    }

    // MARK: Receiver

    /// A packet reaches the receiver at `arrival`, the network model's time for it (a wall-clock
    /// timer fires a little after it; the buffer judges by the model's time).
    private func arrive(_ packet: EncodedPacket, timestamp: RunTime, at arrival: RunTime, context: StageContext) {
        guard buffer.insert(packet, timestamp: timestamp, arrivedAt: arrival) else { return }
        scheduleTick(context: context)
    }

    private func scheduleTick(context: StageContext) {
        guard let due = buffer.nextPlayout else { return }
        if let pending = tickScheduled, pending <= due { return }
        tickScheduled = due
        context.schedule(after: max(.zero, due - context.now)) { [self] in
            guard tickScheduled == due else { return }
            tickScheduled = nil
            tick(context: context, due: due)
        }
    }

    private func tick(context: StageContext, settled: Bool = false, due: RunTime? = nil) {
        // Playout decisions are made at the time they fall due, not when a wall-clock timer got round to them.
        let now = min(due ?? context.now, context.now)
        // The packet due next is on its way and, by the network model, here by now: a wall-clock
        // timer has yet to deliver it. Its arrival ticks again; concealing it would be the harness's doing.
        if buffer.isStarved, let arrival = inFlight[buffer.nextSequence], arrival <= now {
            tickScheduled = nil
            return
        }
        // A packet due now may still be on its way within this very instant (events at equal
        // times run in the order they were scheduled): look again once the instant's other work
        // has run before concealing.
        if !settled, buffer.isStarved {
            tickScheduled = now
            context.schedule(after: .zero) { [self] in
                guard tickScheduled == now else { return }
                tickScheduled = nil
                tick(context: context, settled: true, due: now)
            }
            return
        }
        while true {
            let slot: Int?
            let decoded: AudioChunk
            do {
                switch buffer.pull(at: now) {
                case .packet(let packet):
                    slot = packet.sequence
                    decoded = try decode(packet)
                    if buffer.canAccelerate, decoded.levelDBFS < configuration.quietDBFS, buffer.accelerate() {
                        metas[packet.sequence] = nil
                        note(slot: packet.sequence, context: context)
                        continue
                    }
                case .recover(let lost, let next):
                    slot = lost
                    decoded = try decoder?.decodeFEC(next: next) ?? conceal()
                case .conceal(let lost):
                    slot = lost
                    decoded = try decoder?.decode(nil) ?? conceal()
                case .nothing:
                    scheduleTick(context: context)
                    return
                }
            } catch {
                context.fail(turn: lastMeta.turn, reason: "\(name): \(error)")
                return
            }
            deliver(decoded, slot: slot, context: context)
            forgetPassedPackets()
            if let next = buffer.nextPlayout, next <= now { continue }
            scheduleTick(context: context)
            return
        }
    }

    /// Drops what is kept for packets the buffer will no longer take.
    private func forgetPassedPackets() {
        let oldest = buffer.oldestAccepted
        guard oldest > forgottenBelow else { return }
        // Walking the range is cheaper than filtering the tables while they are small and the
        // range short, which it is at every pull; a long cut is walked once.
        if oldest - forgottenBelow > metas.count + pcmFrames.count {
            metas = metas.filter { $0.key >= oldest }
            pcmFrames = pcmFrames.filter { $0.key >= oldest }
        } else {
            for sequence in forgottenBelow..<oldest {
                metas[sequence] = nil
                pcmFrames[sequence] = nil
            }
        }
        forgottenBelow = oldest
    }

    /// Entries kept for packets not yet played: bounded by what the network and buffer hold.
    var packetsKept: Int { metas.count + pcmFrames.count }

    private func decode(_ packet: EncodedPacket) throws -> AudioChunk {
        if let decoder { return try decoder.decode(packet) }
        let samples = pcmFrames.removeValue(forKey: packet.sequence) ?? []
        let chunk = AudioChunk(samples: samples, sampleRate: codecRate)
        return try outputResampler?.process(chunk) ?? chunk
    }

    private func conceal() throws -> AudioChunk {
        let chunk = AudioChunk(samples: [Float](repeating: 0, count: samplesPerFrame), sampleRate: codecRate)
        return try outputResampler?.process(chunk) ?? chunk
    }

    private func deliver(_ chunk: AudioChunk, slot: Int?, context: StageContext) {
        let previous = lastMeta
        var meta = lastMeta
        if let slot, let m = metas.removeValue(forKey: slot) { meta = m }
        lastMeta = meta
        if let slot { note(slot: slot, context: context) }
        // The decoded frame opens with the look-ahead's worth of the previous frame's audio: where
        // the turn changes, that tail still belongs to the previous turn.
        let tail = min(chunk.samples.count, lookahead * chunk.sampleRate / max(1, codecRate))
        if meta.turn != previous.turn, tail > 0 {
            emit(AudioChunk(samples: Array(chunk.samples[..<tail]), sampleRate: chunk.sampleRate), meta: previous, context: context)
            emit(AudioChunk(samples: Array(chunk.samples[tail...]), sampleRate: chunk.sampleRate), meta: meta, context: context)
        } else {
            emit(chunk, meta: meta, context: context)
        }
    }

    private func emit(_ chunk: AudioChunk, meta: Meta, context: StageContext) {
        context.emit(Frame(.audio(chunk), turn: meta.turn, origin: meta.origin))
        if configuration.direction == .downlink, meta.turn > 0, !markedAudible.contains(meta.turn), isAudible(chunk) {
            markedAudible.insert(meta.turn)
            context.mark(.downlink, turn: meta.turn)
        }
    }

    /// Uplink: slot `slot` is decoded at the far end, so the user's audio is there through the
    /// samples it holds, less the codec's look-ahead (the runtime marks `uplink` from that).
    private func note(slot: Int, context: StageContext) {
        guard configuration.direction == .uplink else { return }
        context.deliveredUserAudio(through: (slot + 1) * samplesPerFrame - uplinkLag, sampleRate: codecRate)
    }

    /// Audible as playout judges it: some 10 ms block at or above the threshold.
    private func isAudible(_ chunk: AudioChunk) -> Bool {
        let block = max(1, chunk.sampleRate / 100)
        var i = 0
        while i < chunk.samples.count {
            let end = min(i + block, chunk.samples.count)
            if Level.rmsDBFS(chunk.samples[i..<end]) >= configuration.audibleDBFS { return true }
            i = end
        }
        return false
    }
}
