import EarshotCore
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A voice agent behind a WebSocket, run by the project itself: the far end for tests of the agent
/// connectors, and a Realtime-protocol server with scripted delays. (The load benchmark's echo
/// agent is `EchoAgent`.)
///
/// It hears by the project's energy rule, on the audio as it arrives: a message at or above
/// `speechDBFS` is speech; after speech, `endSilence` of audio below it ends the user's turn
/// (counted in audio received, so its decision does not depend on how busy the machine is). It
/// then waits `replyDelay` and sends `replyLength` of a 440 Hz tone at −20 dBFS, all at once, as
/// most agents send a synthesised sentence. Speech that starts while its reply may still be
/// playing at the caller is a barge-in: Twilio's agent sends `clear`, Realtime's server
/// `input_audio_buffer.speech_started`.
public final class LocalAgent: Sendable {
    public enum Wire: String, Sendable, CaseIterable { case twilio, realtime }

    public enum Behaviour: String, Sendable, CaseIterable {
        /// Answers each turn as above.
        case answer
        /// Closes the connection (code 1011) when it would answer.
        case closeMidTurn = "close-mid-turn"
        /// Sends text that is not JSON when it would answer.
        case malformed
        /// Says nothing, ever.
        case silent
    }

    public struct Configuration: Sendable {
        public var wire: Wire
        public var behaviour: Behaviour = .answer
        public var replyDelay: Duration = .milliseconds(200)
        public var replyLength: Duration = .milliseconds(600)
        public var endSilence: Duration = .milliseconds(300)
        public var speechDBFS: Double = -40
        /// Realtime only: the rate of its audio both ways.
        public var realtimeRate = 24_000

        public init(wire: Wire, behaviour: Behaviour = .answer) {
            self.wire = wire
            self.behaviour = behaviour
        }
    }

    public let configuration: Configuration
    private let server: WebSocketServer
    private let counters = NIOLockedValueBox((connections: 0, messagesIn: 0, turns: 0))

    /// Connections accepted, messages read and turns it decided had ended, so far.
    public var counts: (connections: Int, messagesIn: Int, turns: Int) { counters.withLockedValue { $0 } }
    private let echoes = NIOLockedValueBox<[Duration]>([])
    /// Twilio: for each mark it sent after a reply, how long the caller took to echo it (on this
    /// process's clock): the caller's playout of the reply, if the caller keeps the protocol.
    public var markEchoDelays: [Duration] { echoes.withLockedValue { $0 } }
    public var port: Int { server.port }
    public var url: String { "ws://127.0.0.1:\(server.port)/\(configuration.wire.rawValue)" }

    public init(_ configuration: Configuration, port: Int = 0, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.configuration = configuration
        let counters = self.counters, echoes = self.echoes
        let path = "/\(configuration.wire.rawValue)"
        server = try WebSocketServer(port: port, group: group, allows: { $0.hasPrefix(path) }) { peer in
            counters.withLockedValue { $0.connections += 1 }
            AgentCall(peer: peer, configuration: configuration, counters: counters, echoes: echoes).attach()
        }
    }

    public func stop() { server.stop() }
}

/// One call, confined to its peer's event loop.
private final class AgentCall: @unchecked Sendable {
    let peer: WebSocketPeer
    let configuration: LocalAgent.Configuration
    let counters: NIOLockedValueBox<(connections: Int, messagesIn: Int, turns: Int)>
    let rate: Int
    var streamSid = ""
    var heardSpeech = false
    /// Samples of silence since the last speech, counted in audio received.
    var silentSamples = 0
    /// Audio received so far, in samples: the caller's media clock.
    var received = 0
    /// Where the caller's playout of our last reply ends, on our media clock.
    var replyPlaysUntil = 0
    var pending: NIOCore.Scheduled<Void>?
    var replies = 0
    let echoes: NIOLockedValueBox<[Duration]>
    /// When each mark went out.
    var marksSent: [String: ContinuousClock.Instant] = [:]

    init(peer: WebSocketPeer, configuration: LocalAgent.Configuration,
         counters: NIOLockedValueBox<(connections: Int, messagesIn: Int, turns: Int)>, echoes: NIOLockedValueBox<[Duration]>) {
        self.echoes = echoes
        self.peer = peer
        self.configuration = configuration
        self.counters = counters
        rate = configuration.wire == .twilio ? 8_000 : configuration.realtimeRate
    }

    func attach() {
        peer.onText = { [self] in hear($0) }
        peer.onClose = { [self] in pending?.cancel() }
        if configuration.wire == .realtime && configuration.behaviour != .silent {
            peer.send(RealtimeAgent.event("session.created", #""session":{"id":"sess_local"}"#))
        }
    }

    func hear(_ message: ByteBuffer) {
        counters.withLockedValue { $0.messagesIn += 1 }
        let text = String(buffer: message)
        let pcm: [Int16]
        switch configuration.wire {
        case .twilio:
            guard let m = try? TwilioAgent.read(text) else { return }
            switch m {
            case .start(let sid): streamSid = sid; return
            case .media(let samples): pcm = samples
            case .stop: peer.close(); return
            case .mark(let name):
                if let sent = marksSent.removeValue(forKey: name) { echoes.withLockedValue { $0.append(ContinuousClock.now - sent) } }
                return
            case .connected: return
            }
        case .realtime:
            guard let m = try? RealtimeAgent.read(text) else { return }
            switch m {
            case .append(let samples): pcm = samples
            case .sessionUpdate:
                if configuration.behaviour != .silent { peer.send(RealtimeAgent.event("session.updated", #""session":{}"#)) }
                return
            case .cancel, .other: return
            }
        }
        listen(pcm)
    }

    func listen(_ pcm: [Int16]) {
        received += pcm.count
        let level = AudioChunk(pcm16: pcm, sampleRate: rate).levelDBFS
        if level >= configuration.speechDBFS {
            if !heardSpeech {
                heardSpeech = true
                bargeIn()
            }
            silentSamples = 0
            return
        }
        guard heardSpeech else { return }
        silentSamples += pcm.count
        guard silentSamples >= Int(configuration.endSilence.nanoseconds * Int64(rate) / 1_000_000_000) else { return }
        heardSpeech = false
        counters.withLockedValue { $0.turns += 1 }
        pending = peer.eventLoop.scheduleTask(in: .nanoseconds(configuration.replyDelay.nanoseconds)) { [self] in answer() }
    }

    /// The user started speaking: a reply still playing at the caller is cut, a reply not yet sent is called off.
    func bargeIn() {
        pending?.cancel()
        pending = nil
        guard configuration.behaviour == .answer else { return }
        switch configuration.wire {
        case .twilio:
            if replyPlaysUntil > received { peer.send(TwilioAgent.clear(streamSid: streamSid)) }
        case .realtime:
            peer.send(RealtimeAgent.event("input_audio_buffer.speech_started", #""audio_start_ms":\#(received * 1000 / rate)"#))
        }
        replyPlaysUntil = 0
    }

    func answer() {
        pending = nil
        switch configuration.behaviour {
        case .closeMidTurn: return peer.close(code: 1011)
        case .malformed: return peer.send("{this is not json")
        case .silent: return
        case .answer: break
        }
        replies += 1
        let n = Int(configuration.replyLength.nanoseconds * Int64(rate) / 1_000_000_000)
        let amplitude = 0.1 * 32_767 * 2.0.squareRoot()   // −20 dBFS RMS
        let tone = (0..<n).map { Int16(amplitude * sin(2 * Double.pi * 440 * Double($0) / Double(rate))) }
        replyPlaysUntil = received + n
        switch configuration.wire {
        case .twilio:
            for start in stride(from: 0, to: n, by: 160) {
                peer.send(TwilioAgent.media(tone[start..<min(n, start + 160)], streamSid: streamSid))
            }
            peer.send(TwilioAgent.mark("reply-\(replies)", streamSid: streamSid))
            marksSent["reply-\(replies)"] = .now
        case .realtime:
            let id = "resp_\(replies)"
            peer.send(RealtimeAgent.event("response.created", #""response":{"id":"\#(id)"}"#))
            let step = rate / 10
            for start in stride(from: 0, to: n, by: step) {
                peer.send(RealtimeAgent.audioDelta(tone[start..<min(n, start + step)], responseID: id))
            }
            peer.send(RealtimeAgent.event("response.done", #""response":{"id":"\#(id)","status":"completed"}"#))
        }
    }
}
