import EarshotAudio
import EarshotCore
import EarshotWire
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// `agent-twilio`, `agent-openai-realtime`: a whole voice agent behind a WebSocket, with the harness
/// as the caller. The user's audio goes out at the protocol's rate as it comes from the source
/// (paced in real time); what the agent sends back goes on towards playout, which hears it as the
/// caller's phone would, so the ground truth, marks and outcomes of any other design apply.
///
/// The call is dialled at the session's first frame — a ramp of callers is a ramp of connections —
/// and its set-up (TCP, TLS, upgrade) goes to run.json's `connect`, apart from any turn. Audio that
/// comes before the line is open waits and goes out at once when it opens. The caller hangs up
/// `hangUpAfter` after the source's audio ends. A call that drops is dialled again when the user's
/// next turn begins.
///
/// The agent's audio carries no turn of its own. A reply is a burst of audio: it answers the latest
/// turn the user had begun when the burst began, and goes on while audio keeps coming before the
/// caller's queue has been dry for `burstGap` — so a long reply streamed at real time that plays
/// on into the user's next turn is still the reply it was. A `clear`, a server's `speech_started`
/// or a new Realtime response ends a burst. Agent messages are
/// acted on as the caller's phone would: `clear` (Twilio) and a server's `speech_started` while
/// the reply still plays drop what is queued for playout; a `mark` is echoed when the caller's
/// playout reaches it; a Realtime reply still coming when the server hears the user is cancelled.
///
/// Faults end the turn they happen in `failed`, with the reason, and the run goes on: a refused
/// connection, a failed handshake, the agent closing the call, a malformed message, an `error`
/// event, or an agent that sends nothing for `silenceTimeout` while a turn waits on it.
final class AgentConnector<Wire: CallerWire>: Stage {
    struct Configuration: Sendable {
        var address: WebSocketAddress
        /// The URL as the pipeline gives it, environment unread: what messages show.
        var shownURL: String
        var headers: [(String, String)] = []
        var trustRoots: [NIOSSLCertificate]?
        var connectTimeout: Duration = .seconds(10)
        var silenceTimeout: Duration = .seconds(10)
        var hangUpAfter: Duration = .seconds(2)
    }

    let name: String
    var consumes: FrameKinds { .audio }
    var produces: FrameKinds { [.audio, .event] }

    private let configuration: Configuration
    private let makeWire: @Sendable (_ session: Int) -> Wire
    private var wire: Wire!
    /// The wire's rate and message size, read once: asking the wire copies it, fifty times a second.
    private var lineRate = 0
    private var messageSize: Int?

    /// What the connection reports, tagged with the dial it belongs to.
    private enum Report: Sendable {
        case open(Duration)
        case message(AgentMessage)
        case malformed(AgentMessage.Malformed)
        case closed(String?)
    }

    private var client: WebSocketClient?
    private var inbox: StageInbox<(Int, Report)>?
    private var dial = 0
    private var isOpen = false
    private var outbox: [ByteBuffer] = []
    private var hungUp = false

    private var turn = 0
    private var turnBegan = RunTime.zero
    /// The agent has sent audio since `turn` began, or the turn has failed: no silence to report.
    private var turnSettled = false
    private var lastFromAgent = RunTime.zero
    private var lastInput = RunTime.zero
    /// A fault before the first turn, charged to the first turn.
    private var earlyFailure: String?
    /// The next look at the call: to hang up, or to give up on a silent agent.
    private var check: EarshotCore.Scheduled?

    private var resampler: Resampler?
    private var inputRate = 0
    /// The user's audio at the wire's rate, short of a whole message.
    private var queued: [Float] = []
    /// Wire-rate samples sent, for `deliveredUserAudio`.
    private var sent = 0
    /// Source samples of the timeline passed on so far, gaps included.
    private var consumed = 0

    /// Where the caller's playout of what the agent sent ends, modelled as `Playout` does.
    private var playheadEnd = RunTime.zero
    private var marks: [(name: String, echo: EarshotCore.Scheduled)] = []
    private var replyActive = false
    /// The turn the current burst of agent audio answers; nil when no burst is open.
    private var replyTurn: Int?
    /// Longest the caller's queue may run dry inside one reply: longer than a TTS's pause between
    /// sentences, shorter than any user's turn.
    static var burstGap: Duration { .milliseconds(300) }

    init(name: String, configuration: Configuration, wire: @escaping @Sendable (Int) -> Wire) {
        self.name = name
        self.configuration = configuration
        makeWire = wire
    }

    func started(context: StageContext) {
        wire = makeWire(context.session)
        lineRate = wire.sampleRate
        messageSize = wire.samplesPerMessage
    }

    func receive(_ frame: Frame, context: StageContext) throws {
        guard let audio = frame.audio, !hungUp else { return }
        lastInput = context.now
        if frame.turn != turn {
            turn = frame.turn
            turnBegan = context.now
            turnSettled = false
            // The new turn's silence deadline may come before the look already planned.
            check?.cancel()
            check = nil
            if turn > 0, let why = earlyFailure {
                earlyFailure = nil
                failTurn(why, context)
            }
            if client == nil && dial > 0 { connect(context) }
        }
        if dial == 0 { connect(context) }
        if check == nil { armCheck(context) }
        try send(audio, startingAt: frame.sourceIndex.map { $0 * audio.frameCount }, context)
    }

    func finished(context: StageContext) {
        client?.close()
        inbox?.close()
    }

    // MARK: The line

    private func connect(_ context: StageContext) {
        dial += 1
        let dial = self.dial
        let box = openInbox(context)
        inbox = box
        isOpen = false
        outbox = wire.opening().map(WebSocketMessage.text)
        // On the session's own loop when it runs on one: a message goes out without leaving the thread.
        let group: EventLoopGroup = (context.queue as? EventLoopExecutor)?.loop ?? MultiThreadedEventLoopGroup.singleton
        client = WebSocketClient(to: configuration.address, headers: configuration.headers, trustRoots: configuration.trustRoots,
                                 connectTimeout: configuration.connectTimeout, group: group) { event in
            switch event {
            case .open(let setUp): box.post((dial, .open(setUp)))
            case .text(let bytes):
                // Parsed on the event loop: the stage's executor gets a value, not bytes to scan.
                do throws(AgentMessage.Malformed) {
                    box.post((dial, .message(try Wire.read(bytes))))
                } catch {
                    box.post((dial, .malformed(error)))
                }
            case .closed(let reason):
                box.post((dial, .closed(reason)))
                box.close()
            }
        }
    }

    private func openInbox(_ context: StageContext) -> StageInbox<(Int, Report)> {
        context.openInbox(of: (Int, Report).self) { [unowned self] report in
            guard report.0 == dial else { return }
            handle(report.1, context)
        }
    }

    private func handle(_ report: Report, _ context: StageContext) {
        switch report {
        case .open(let setUp):
            context.recordConnection(setUp)
            isOpen = true
            lastFromAgent = context.now
            if let planned = check, !hungUp {
                planned.cancel()
                armCheck(context)
            }
            for message in outbox { client?.send(message) }
            outbox = []
        case .message(let message):
            lastFromAgent = context.now
            hear(message, context)
        case .malformed(let error):
            lastFromAgent = context.now
            failTurn("\(error)", context)
        case .closed(let reason):
            // A dial that ended before the line opened, not by this side's hanging up: a caller who never got through.
            if !isOpen && reason != nil { context.recordFailedConnection() }
            client = nil
            isOpen = false
            inbox = nil
            guard let reason, !hungUp else { return }
            failTurn(reason, context)
        }
    }

    private func hear(_ message: AgentMessage, _ context: StageContext) {
        switch message {
        case .audio(let pcm):
            guard !pcm.isEmpty else { return }
            if replyTurn == nil || context.now - playheadEnd > Self.burstGap { replyTurn = turn }
            let answers = replyTurn ?? turn
            if answers == turn { turnSettled = true }
            let chunk = AudioChunk(pcm16: pcm, sampleRate: lineRate)
            if chunk.levelDBFS >= Level.defaultSilenceThresholdDBFS { context.mark(.agentFirstAudio, turn: answers) }
            playheadEnd = max(context.now, playheadEnd) + chunk.duration
            context.emit(.audio(chunk), turn: answers)
        case .clear:
            stopPlayout(context)
            for mark in marks {
                mark.echo.cancel()
                if let text = wire.played(mark: mark.name) { client?.send(text) }
            }
            marks = []
        case .mark(let name):
            let due = playheadEnd - context.now
            guard due > .zero else {
                if let text = wire.played(mark: name) { client?.send(text) }
                return
            }
            let echo = context.schedule(after: due) { [unowned self] in
                marks.removeAll { $0.name == name }
                if let text = wire.played(mark: name) { client?.send(text) }
            }
            marks.append((name, echo))
        case .userSpeechStarted:
            stopPlayout(context)
            if replyActive, let text = wire.cancelReply() { client?.send(text) }
        case .replyStarted:
            replyActive = true
            replyTurn = nil
        case .replyEnded:
            replyActive = false
        case .error(let text):
            failTurn("the agent reported an error: \(text)", context)
        case .other:
            break
        }
    }

    /// Drops what the caller has queued to play, as a phone does on Twilio's `clear`.
    private func stopPlayout(_ context: StageContext) {
        replyTurn = nil
        guard playheadEnd > context.now else { return }
        playheadEnd = context.now
        context.emit(.event(.interruption), turn: turn)
    }

    private func failTurn(_ reason: String, _ context: StageContext) {
        guard turn > 0 else {
            earlyFailure = earlyFailure ?? reason
            return
        }
        turnSettled = true
        context.fail(turn: turn, reason: reason)
    }

    // MARK: The user's audio

    /// `position`: where the frame starts on the session's timeline, in samples, when it came
    /// straight from the source. Frames the pacer dropped leave a gap, sent as silence: a phone's
    /// line runs on in real time whatever its capture does, and the timestamps and `uplink` marks
    /// stay on the timeline.
    private func send(_ audio: AudioChunk, startingAt position: Int?, _ context: StageContext) throws {
        var mono = audio.channels == 1 ? audio : audio.mono
        if let position {
            if position > consumed {
                mono.samples.insert(contentsOf: repeatElement(0, count: position - consumed), at: 0)
            }
            consumed = position + audio.frameCount
        }
        if resampler == nil && mono.sampleRate != lineRate {
            resampler = try Resampler(from: mono.sampleRate, to: lineRate)
        }
        inputRate = mono.sampleRate
        let line = try resampler?.process(mono).samples ?? mono.samples
        let size = messageSize ?? (queued.count + line.count)
        guard size > 0 else { return }
        // The common case, a source on the line's rate in whole messages, is sent from the frame as it is.
        if queued.isEmpty && line.count % size == 0 {
            send(line[...], size: size)
        } else {
            queued += line
            let whole = queued.count - queued.count % size
            send(queued[..<whole], size: size)
            queued.removeFirst(whole)
        }
        guard isOpen else { return }
        // The resampler holds back its filter's delay; audio counts as delivered once it is out.
        let through = max(0, sent - (resampler?.outputLatency ?? 0))
        context.deliveredUserAudio(through: Int(Int64(through) * Int64(inputRate) / Int64(lineRate)), sampleRate: inputRate)
    }

    /// Sends `samples` in messages of `size` samples each, or keeps them for when the line opens.
    private func send(_ samples: ArraySlice<Float>, size: Int) {
        var start = samples.startIndex
        while start < samples.endIndex {
            // Base64 of 16-bit samples, and the JSON around it.
            var message = WebSocketMessage.buffer(capacity: size * 8 / 3 + 256)
            wire.audio(samples[start..<min(start + size, samples.endIndex)], into: &message)
            if isOpen { client?.send(message) } else { outbox.append(message) }
            start += size
        }
        sent += samples.count
    }

    // MARK: Timers

    /// Plans the next look at the call for the earliest moment something may be due: the caller's
    /// hang-up once the user's audio has stopped coming, or the silence limit of a turn that waits
    /// on the agent. Input every 20 ms only moves the deadlines; one timer per deadline, not per
    /// frame or per tick, keeps a thousand calls' timers off the executors.
    private func armCheck(_ context: StageContext) {
        var due = lastInput + configuration.hangUpAfter
        if turn > 0, !turnSettled, client != nil { due = min(due, max(turnBegan, lastFromAgent) + configuration.silenceTimeout) }
        check = context.schedule(after: max(.milliseconds(1), due - context.now)) { [unowned self] in
            check = nil
            look(context)
        }
    }

    private func look(_ context: StageContext) {
        let now = context.now
        if now - lastInput >= configuration.hangUpAfter {
            hangUp()
            return
        }
        if turn > 0, !turnSettled, client != nil, now - max(turnBegan, lastFromAgent) >= configuration.silenceTimeout {
            failTurn("the agent sent nothing for \(configuration.silenceTimeout.milliseconds.formatted()) ms", context)
        }
        armCheck(context)
    }

    private func hangUp() {
        hungUp = true
        if isOpen { for text in wire.closing() { client?.send(text) } }
        client?.close()
        if client == nil { inbox?.close() }
    }
}

private extension Double {
    func formatted() -> String { self == rounded() ? String(Int(self)) : String(self) }
}
