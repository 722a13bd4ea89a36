import EarshotCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `llm-openai`: a real LLM behind an OpenAI-compatible streaming chat endpoint
/// (`POST {base_url}/v1/chat/completions`, `stream: true`), the network counterpart of `llm-scripted`.
///
/// The request runs outside the stage: URLSession's callbacks reach it through a `StageInbox`, so
/// waiting for the server never occupies the stage's queue or its session's executor, and each
/// token is stamped by the harness as it arrives — in real time on the wall clock; in virtual
/// time as much run-clock time after the request as it took on the wall. An `interruption`
/// reaching the stage meanwhile abandons the stream at once. The stall limit is a cancellable
/// timer re-armed by every piece of the stream.
///
/// The API key is read from the environment variable named by `apiKeyVariable` when a request is
/// made, and is never put in a failure reason: reasons are built from the status, the server's
/// error message and the transport error, and any copy of the key in them is redacted before
/// anything is cut short.
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
    public let configuration: Configuration

    /// The session's conversation so far, as chat messages (`user`, `assistant`, alternating).
    public private(set) var history: [(role: String, content: String)] = []
    private var reply: Reply?
    private var replied = false

    /// The reply in flight.
    private final class Reply {
        let turn: Int
        let user: String
        let key: String
        var connection: HTTPStreamConnection?
        var inbox: StageInbox<HTTPStreamConnection.Event>?
        var stall: Scheduled?
        var parser = ChatStreamParser()
        var status: Int?
        var body = Data()
        var text = ""
        var marked = false

        init(turn: Int, user: String, key: String) {
            self.turn = turn
            self.user = user
            self.key = key
        }

        func close() {
            stall?.cancel()
            connection?.cancel()
            inbox?.close()
        }
    }

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    deinit { reply?.close() }

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
        let key = ProcessInfo.processInfo.environment[configuration.apiKeyVariable] ?? ""
        let request: URLRequest
        do {
            request = try makeRequest(user: user, key: key)
        } catch {
            history += [("user", user)]
            return context.fail(turn: turn, reason: "\(error)")
        }
        let r = Reply(turn: turn, user: user, key: key)
        reply = r
        let inbox = context.openInbox(of: HTTPStreamConnection.Event.self) { [weak self, weak r] event in
            guard let self, let r, self.reply === r else { return }
            self.handle(event, context: context)
        }
        r.inbox = inbox
        rearmStall(context: context)
        r.connection = HTTPStreamConnection(request) { inbox.post($0) }
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

    /// The stall limit starts again from now: no response, or nothing new, for `timeout` fails the turn.
    private func rearmStall(context: StageContext) {
        guard let reply else { return }
        reply.stall?.cancel()
        reply.stall = context.schedule(after: configuration.timeout) { [self] in
            let ms = Int(configuration.timeout.milliseconds)
            fail(reply.status == nil ? "timed out: no response within \(ms) ms"
                                     : "stalled: nothing from the server for \(ms) ms", context: context)
        }
    }

    /// One piece of the request's progress, on the stage's own context.
    private func handle(_ event: HTTPStreamConnection.Event, context: StageContext) {
        guard let reply else { return }
        switch event {
        case .response(let status):
            reply.status = status
            rearmStall(context: context)
        case .finished(let error):
            if let error { return fail("request failed: \(error)", context: context) }
            if let status = reply.status, status >= 400 { return fail(Self.httpFailure(status, body: reply.body, key: reply.key), context: context) }
            // Some servers close without [DONE]; a clean close still ends the reply.
            context.emit(.text(TextChunk("", isFinal: true)), turn: reply.turn)
            complete()
        case .data(let data):
            rearmStall(context: context)
            if let status = reply.status, status >= 400 { return reply.body.append(data) }
            let items: [ChatStreamParser.Item]
            do {
                items = try reply.parser.feed(data)
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
        }
    }

    private func complete() {
        guard let reply else { return }
        reply.close()
        history += [("user", reply.user), ("assistant", reply.text)]
        self.reply = nil
    }

    private func fail(_ reason: String, context: StageContext) {
        guard let reply else { return }
        reply.close()
        history += [("user", reply.user)]
        if !reply.text.isEmpty { history += [("assistant", reply.text)] }
        self.reply = nil
        context.fail(turn: reply.turn, reason: Self.redacting(reply.key, in: reason))
    }

    /// Stops the reply in flight; what was said of it stays in the history unless its turn is being redone.
    private func abandon(keepingTurn: Bool) {
        guard let reply else { return }
        reply.close()
        if keepingTurn {
            history += [("user", reply.user)]
            if !reply.text.isEmpty { history += [("assistant", reply.text)] }
        }
        self.reply = nil
    }

    static func redacting(_ key: String, in text: String) -> String {
        key.isEmpty ? text : text.replacingOccurrences(of: key, with: "[redacted]")
    }

    /// The reason for an error status: the server's message, or the start of its body — with the key
    /// redacted before the body is cut, so no part of a key can survive the cut.
    static func httpFailure(_ status: Int, body: Data, key: String) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
           let message = ChatStreamParser.errorMessage(object) {
            return "HTTP \(status): \(redacting(key, in: message))"
        }
        let whole = redacting(key, in: String(decoding: body, as: UTF8.self))
        let text = String(whole.prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines)
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
