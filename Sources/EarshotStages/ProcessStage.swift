import EarshotCore
import Foundation

/// A stage served by a child process in any language, over line-delimited JSON on its
/// stdin/stdout (Scripts/stages/PROTOCOL.md).
///
/// Request/response per frame: the harness writes one frame and reads the child's reply — frames,
/// marks, an error — up to `done`. The round trip is a blocking job (`context.perform`): it runs
/// off the executors, so a slow child never delays another stage or session, and each reply line
/// reaches the stage when it was read — virtual time charges the child's real round trip. Frames
/// for the stage wait for `done`, as they would behind a busy stage. A mark is stamped with
/// `context.now` when the harness reads it: a slow plug-in is measured, not trusted.
///
/// A child that dies, outstays `timeout` on one reply, or writes a line that is not the protocol
/// or longer than `maxLineBytes` fails that frame's turn with the reason; it is stopped (with its
/// process group), the rest of that turn's frames are dropped, and a fresh child is started for
/// the next turn, so the run goes on. What the child says reaches a report with its control
/// characters escaped (`PrintableText`).
public final class ProcessStage: Stage {
    public let name = "process"
    public let consumes: FrameKinds
    public let produces: FrameKinds
    /// The role the child declared in `ready`.
    public let role: String

    public let command: String
    public let arguments: [String]
    public let timeout: Duration
    /// The longest line the child may write on stdout, newline aside.
    public let maxLineBytes: Int
    let sampleRate: Int

    /// 1 MiB: a line carries one frame, and 1 MiB of base64 is 16 s of 24 kHz mono PCM16, so a
    /// child that sends a whole spoken reply as one frame fits and only a runaway one comes near it.
    public static let defaultMaxLineBytes = 1 << 20

    private var child: ProcessChild?
    private var session = 0
    private var label = "process"
    /// The turn whose child failed: its remaining frames are dropped rather than fed to a new child.
    private var failedTurn: Int?

    /// Starts the child and reads its `ready`, so a plug-in that will not start or speak the
    /// protocol is an error when the pipeline loads, not in the middle of a run.
    public init(command: String, arguments: [String] = [], timeout: Duration = .seconds(5),
                maxLineBytes: Int = ProcessStage.defaultMaxLineBytes, sampleRate: Int = 16_000) throws {
        self.command = command
        self.arguments = arguments
        self.timeout = timeout
        self.maxLineBytes = maxLineBytes
        self.sampleRate = sampleRate
        let (child, ready) = try Self.start(command: command, arguments: arguments, label: "process", session: 0,
                                            sampleRate: sampleRate, timeout: max(timeout, Self.startupAllowance),
                                            lineLimit: maxLineBytes)
        self.child = child
        consumes = ready.consumes
        produces = ready.produces
        role = ready.role
    }

    /// A child serves one session, so one greeted for another session (the probe made at load time
    /// greets session 0), or whose stderr is prefixed with another name than this stage's id, is
    /// replaced by one greeted with this session's number; that happens before the first frame,
    /// so no turn is charged for it.
    public func started(context: StageContext) {
        if context.session != session || context.stageName != label {
            session = context.session
            label = context.stageName
            child?.stop()
            child = nil
        }
    }

    public func finished(context: StageContext) {
        if let child {
            _ = child.write(line: ProcessMessage.shutdown, before: .now)
            child.stop()
        }
        child = nil
    }

    deinit {
        if let child { _ = child.write(line: ProcessMessage.shutdown, before: .now) }
    }

    public func receive(_ frame: Frame, context: StageContext) throws {
        if let failedTurn, failedTurn == frame.turn { return }
        failedTurn = nil
        guard let line = ProcessMessage.line(for: frame) else { return context.emit(frame) }
        // The job has the child to itself until its inbox closes: frames wait, and nothing else here touches it.
        let job = Exchange(child: child, line: line, timeout: timeout, lineLimit: maxLineBytes, restart: { [self] in try restart() })
        child = nil
        context.perform(for: frame.turn, streaming: { inbox in job.run(inbox) }) { [self] (event: Exchange.Event) in
            switch event {
            case .child(let handover):
                child = handover.child
            case .reply(.frame(let payload, let turn)):
                // A child that turns audio into text is a recogniser: its final is what it heard.
                if case .text(let chunk) = payload, chunk.isFinal, consumes.contains(.audio) {
                    context.recordTranscript(chunk.text, turn: turn)
                }
                context.emit(payload, turn: turn)
            case .reply(.mark(let name, let turn)):
                context.mark(Mark(name), turn: turn)
            case .reply(.error(let reason, let turn)):
                context.fail(turn: turn, reason: reason)
            case .reply(.done):
                break
            case .failed(let reason):
                failedTurn = frame.turn
                context.fail(turn: frame.turn, reason: reason)
            }
        }
    }

    /// One frame's round trip, run as a blocking job: (re)start the child if need be, write the
    /// line, read replies up to `done`, handing each back as it is read and the child last.
    struct Exchange: @unchecked Sendable {
        /// A child moving between the stage and its job; only one of them holds it at a time.
        struct Handover: @unchecked Sendable { let child: ProcessChild? }
        enum Event: Sendable {
            case reply(ProcessMessage.Reply)
            case child(Handover)
            case failed(String)
        }

        let child: ProcessChild?
        let line: String
        let timeout: Duration
        let lineLimit: Int
        /// Starting a fresh child is the stage's recipe, but it runs here, off the executors.
        let restart: () throws -> ProcessChild

        func run(_ inbox: StageInbox<Event>) {
            var current = child
            do {
                let child = try current ?? restart()
                current = child
                try exchange(child, inbox)
                inbox.post(.child(Handover(child: child)))
            } catch {
                // Stopping takes up to a second and a quarter (grace, then SIGTERM): done here, off the executors.
                current?.stop()
                inbox.post(.failed(PrintableText.escape((error as? InputError)?.message ?? "\(error)")))
            }
        }

        private func exchange(_ child: ProcessChild, _ inbox: StageInbox<Event>) throws {
            let deadline = ContinuousClock.now + timeout
            switch child.write(line: line, before: deadline) {
            case .written: break
            case .closed: throw Failure("child exited (\(child.exitDescription())) before taking the frame")
            case .timedOut: throw Failure("timed out: the child took no input within \(Int(timeout.milliseconds)) ms")
            }
            while true {
                switch child.readLine(before: deadline) {
                case .timedOut:
                    throw Failure("timed out: no done within \(Int(timeout.milliseconds)) ms")
                case .closed:
                    throw Failure("child exited (\(child.exitDescription())) before done")
                case .tooLong:
                    throw Failure("child's reply line exceeded \(ProcessStage.describe(bytes: lineLimit)) (max_line_bytes)")
                case .line(let reply):
                    let reply = try ProcessMessage.reply(reply)
                    inbox.post(.reply(reply))
                    if case .done = reply { return }
                }
            }
        }
    }

    private func restart() throws -> ProcessChild {
        let (child, ready) = try Self.start(command: command, arguments: arguments, label: label, session: session,
                                            sampleRate: sampleRate, timeout: max(timeout, Self.startupAllowance),
                                            lineLimit: maxLineBytes)
        guard ready.consumes == consumes, ready.produces == produces else {
            child.stop()
            throw Failure("restarted child declared consumes \(ready.consumes), produces \(ready.produces); first said \(consumes), \(produces)")
        }
        return child
    }

    /// Starting a child gets at least this long to answer `ready`: an interpreter's cold start on a
    /// busy machine takes seconds, and a short reply timeout must not make a healthy plug-in fail to start.
    static let startupAllowance: Duration = .seconds(10)

    private static func start(command: String, arguments: [String], label: String, session: Int, sampleRate: Int,
                              timeout: Duration, lineLimit: Int) throws -> (ProcessChild, ProcessMessage.Ready) {
        let child = try ProcessChild(command: command, arguments: arguments, label: label, lineLimit: lineLimit)
        let what = ([command] + arguments).joined(separator: " ")
        let deadline = ContinuousClock.now + timeout
        switch child.write(line: ProcessMessage.hello(session: session, sampleRate: sampleRate), before: deadline) {
        case .written: break
        case .closed: throw InputError("'\(what)' exited (\(child.exitDescription())) before hello")
        case .timedOut:
            child.stop()
            throw InputError("'\(what)' timed out: it took no hello within \(Int(timeout.milliseconds)) ms")
        }
        switch child.readLine(before: deadline) {
        case .line(let line):
            do {
                return (child, try ProcessMessage.ready(line))
            } catch {
                child.stop()
                throw InputError("'\(what)': \(error)")
            }
        case .closed:
            throw InputError("'\(what)' exited (\(child.exitDescription())) without answering hello")
        case .timedOut:
            child.stop()
            throw InputError("'\(what)' timed out: no ready within \(Int(timeout.milliseconds)) ms")
        case .tooLong:
            child.stop()
            throw InputError("'\(what)': its ready line exceeded \(describe(bytes: lineLimit)) (max_line_bytes)")
        }
    }

    /// A byte count as a person would write it: 1 MiB, 64 KiB, 1000 bytes.
    static func describe(bytes: Int) -> String {
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }

    /// A turn's failure reason, as the report shows it.
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
