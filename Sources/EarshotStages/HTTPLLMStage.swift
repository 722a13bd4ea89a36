import EarshotCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `llm-openai`: a real LLM behind an OpenAI-compatible streaming chat endpoint
/// (`POST {base_url}/v1/chat/completions`, `stream: true`), the network counterpart of `llm-scripted`.
///
/// Timing is `.measured`: the stage reads the SSE stream itself, inside `receive` and its
/// continuations, so virtual time charges the wait for the server and each token is stamped by
/// the harness as it is read. It reads in slices of at most `slice`, each ending by scheduling the
/// next with no delay, rather than blocking until the reply is over, so a token is emitted the
/// moment it arrives and an `interruption` queued behind the stream is seen within a slice and
/// abandons it. (On the virtual clock, wall time other measured stages spend between two slices is
/// not charged to the stream; the real-time clock, where a network LLM belongs, has no such gap.)
///
/// The API key is read from the environment variable named by `apiKeyVariable` when a request is
/// made, and is never put in a failure reason: reasons are built from the status, the server's
/// error message and the transport error, and any copy of the key in them is redacted.
public final class HTTPLLMStage: Stage {
    public struct Configuration: Sendable {
        public var baseURL: String
        public var model = "gpt-4o-mini"
        public var apiKeyVariable = "OPENAI_API_KEY"
        public var systemPrompt = "You are a helpful voice assistant. Answer in one or two short spoken sentences."
        /// Longest wait for the response to start and between two pieces of the stream.
        public var timeout: Duration = .seconds(10)
        public var maxTokens = 200
        public init(baseURL: String) { self.baseURL = baseURL }
    }

    public let name = "llm-openai"
    public let consumes: FrameKinds = [.text, .event]
    public let produces: FrameKinds = [.text, .event]
    public var timing: StageTiming { .measured }
    public let configuration: Configuration
    /// Longest one call blocks the stage's queue waiting for the stream.
    let slice: Duration = .milliseconds(20)

    /// The session's conversation so far, as chat messages (`user`, `assistant`, alternating).
    public private(set) var history: [(role: String, content: String)] = []
    private var reply: Reply?
    private var generation = 0
    private var replied = false

    /// The reply in flight.
    private final class Reply {
        let turn: Int
        let user: String
        let connection: HTTPStreamConnection
        let key: String
        var parser = ChatStreamParser()
        var status: Int?
        var body = Data()
        var text = ""
        var marked = false
        var deadline: ContinuousClock.Instant

        init(turn: Int, user: String, connection: HTTPStreamConnection, key: String, deadline: ContinuousClock.Instant) {
            self.turn = turn
            self.user = user
            self.connection = connection
            self.key = key
            self.deadline = deadline
        }
    }

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    deinit { reply?.connection.cancel() }

    public func started(context: StageContext) {
        history = []
    }

    public func finished(context: StageContext) {
        abandon(keepingTurn: true)
    }

    public func receive(_ frame: Frame, context: StageContext) throws {
        switch frame.payload {
        case .text(let chunk) where chunk.isFinal:
            // A new final for the same turn (the endpointer cut early) replaces that turn's exchange.
            abandon(keepingTurn: reply?.turn != frame.turn)
            if replied { context.emit(.event(.flush), turn: frame.turn) }
            replied = true
            start(chunk.text, turn: frame.turn, context: context)
        case .text:
            break
        case .event(let event):
            if event == .interruption { abandon(keepingTurn: true) }
            context.emit(frame)
        default:
            context.emit(frame)
        }
    }

    private func start(_ user: String, turn: Int, context: StageContext) {
        generation += 1
        let key = ProcessInfo.processInfo.environment[configuration.apiKeyVariable] ?? ""
        let request: URLRequest
        do {
            request = try makeRequest(user: user, key: key)
        } catch {
            history += [("user", user)]
            return context.fail(turn: turn, reason: "\(error)")
        }
        reply = Reply(turn: turn, user: user, connection: HTTPStreamConnection(request), key: key,
                      deadline: ContinuousClock.now + configuration.timeout)
        pump(generation, context: context)
    }

    func makeRequest(user: String, key: String) throws -> URLRequest {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base + "/v1/chat/completions"), url.scheme == "http" || url.scheme == "https" else {
            throw Failure("base_url \"\(configuration.baseURL)\" is not an http(s) URL")
        }
        var messages = [ChatMessage(role: "system", content: configuration.systemPrompt)]
        messages += history.map { ChatMessage(role: $0.role, content: $0.content) }
        messages.append(ChatMessage(role: "user", content: user))
        let body = ChatRequest(model: configuration.model, stream: true, max_tokens: configuration.maxTokens, messages: messages)
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
        if !key.isEmpty { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        request.httpBody = try JSONEncoder().encode(body)
        return request
    }

    /// One slice of reading: emits what has arrived, then either ends the reply or schedules the next slice.
    private func pump(_ current: Int, context: StageContext) {
        guard current == generation, let reply else { return }
        let sliceEnd = ContinuousClock.now + slice
        while true {
            guard let progress = reply.connection.take(before: min(sliceEnd, reply.deadline)) else {
                if ContinuousClock.now >= reply.deadline {
                    let ms = Int(configuration.timeout.milliseconds)
                    return fail(reply.status == nil ? "timed out: no response within \(ms) ms"
                                                    : "stalled: nothing from the server for \(ms) ms", context: context)
                }
                return context.schedule(after: .zero) { [self] in pump(current, context: context) }
            }
            reply.deadline = ContinuousClock.now + configuration.timeout
            if let status = progress.status { reply.status = status }
            if let error = progress.error { return fail("request failed: \(error)", context: context) }
            if let status = reply.status, status >= 400 {
                reply.body.append(progress.data)
                if progress.finished { return fail(Self.httpFailure(status, body: reply.body), context: context) }
                continue
            }
            let items: [ChatStreamParser.Item]
            do {
                items = try reply.parser.feed(progress.data)
            } catch {
                return fail("\(error)", context: context)
            }
            for (i, item) in items.enumerated() {
                switch item {
                case .content(let token):
                    if !reply.marked {
                        reply.marked = true
                        context.mark(.llmFirstToken, turn: reply.turn)
                    }
                    reply.text += token
                    // The last token before [DONE] in the same read carries isFinal; otherwise an empty final follows.
                    let last = i + 1 < items.count && items[i + 1] == .done
                    context.emit(.text(TextChunk(token, isFinal: last)), turn: reply.turn)
                    if last { return complete() }
                case .done:
                    context.emit(.text(TextChunk("", isFinal: true)), turn: reply.turn)
                    return complete()
                }
            }
            if progress.finished {
                // Some servers close without [DONE]; a clean close still ends the reply.
                context.emit(.text(TextChunk("", isFinal: true)), turn: reply.turn)
                return complete()
            }
        }
    }

    private func complete() {
        guard let reply else { return }
        reply.connection.cancel()
        history += [("user", reply.user), ("assistant", reply.text)]
        self.reply = nil
    }

    private func fail(_ reason: String, context: StageContext) {
        guard let reply else { return }
        reply.connection.cancel()
        history += [("user", reply.user)]
        if !reply.text.isEmpty { history += [("assistant", reply.text)] }
        self.reply = nil
        let safe = reply.key.isEmpty ? reason : reason.replacingOccurrences(of: reply.key, with: "[redacted]")
        context.fail(turn: reply.turn, reason: safe)
    }

    /// Stops the reply in flight; what was said of it stays in the history unless its turn is being redone.
    private func abandon(keepingTurn: Bool) {
        generation += 1
        guard let reply else { return }
        reply.connection.cancel()
        if keepingTurn {
            history += [("user", reply.user)]
            if !reply.text.isEmpty { history += [("assistant", reply.text)] }
        }
        self.reply = nil
    }

    static func httpFailure(_ status: Int, body: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
           let message = ChatStreamParser.errorMessage(object) {
            return "HTTP \(status): \(message)"
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(text)"
    }

    struct ChatMessage: Encodable {
        var role: String
        var content: String
    }

    struct ChatRequest: Encodable {
        var model: String
        var stream: Bool
        var max_tokens: Int
        var messages: [ChatMessage]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
