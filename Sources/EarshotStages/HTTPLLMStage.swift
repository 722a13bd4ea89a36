import EarshotCore
import Foundation
import NIOHTTP1

/// `llm-openai`: a real LLM behind an OpenAI-compatible streaming chat endpoint
/// (`POST {base_url}/v1/chat/completions`, `stream: true`), the network counterpart of `llm-scripted`.
///
/// The request runs outside the stage: the HTTP client's callbacks reach it through a `StageInbox`, so
/// waiting for the server never occupies the stage's queue or its session's executor, and each
/// token is stamped by the harness as it arrives — in real time on the wall clock; in virtual
/// time as much run-clock time after the request as it took on the wall. An `interruption`
/// reaching the stage meanwhile abandons the stream at once. Two cancellable timers bound a reply:
/// the idle limit, re-armed by every piece of the stream, and the total limit, armed once.
///
/// One HTTP client per stage keeps its connection open from turn to turn, and `preconnect` opens it
/// when the session starts (a `GET /v1/models`), so no turn's time to first token holds a TCP or
/// TLS handshake. The set-up of the client's first connection — lookup, connect, proxy tunnel, TLS,
/// up to the first request's head going out — is `connectTime`, recorded for the session's report
/// (`StageContext.recordConnection`), apart from every turn.
///
/// The API key is read from the environment variable named by `apiKeyVariable` when a request is
/// made, and is never put in a failure reason: reasons are built from the status, the server's
/// error message and the transport error, and any copy of the key, or of a header or query value
/// read from the environment, is redacted before anything is cut short.
public final class HTTPLLMStage: Stage {
    public struct Configuration: Sendable {
        public var baseURL: String
        public var model = "gpt-4o-mini"
        public var apiKeyVariable = "OPENAI_API_KEY"
        public var systemPrompt = "You are a helpful voice assistant. Answer in one or two short spoken sentences."
        /// Longest wait for the response to start and between two pieces of the stream.
        public var timeout: Duration = .seconds(10)
        /// Longest a whole reply may take, from the request to its end, however steadily it trickles.
        public var totalTimeout: Duration = .seconds(60)
        public var maxTokens = 200
        /// Added to every request (`api-key: $AZURE_KEY`); `$NAME` and `${NAME}` read the environment.
        public var headers: [StageArgument.Entry] = []
        /// Added to the URL's query (`api-version: 2024-10-21`); `$NAME` and `${NAME}` read the environment.
        public var query: [StageArgument.Entry] = []
        /// Open the connection when the session starts rather than inside the first turn.
        public var preconnect = true
        /// A PEM file of the CA certificates to trust instead of the system's.
        public var caBundle: String?
        public init(baseURL: String) { self.baseURL = baseURL }
    }

    public let name = "llm-openai"
    public let consumes: FrameKinds = [.text, .event]
    public let produces: FrameKinds = [.text, .event]
    public let configuration: Configuration
    let endpoint: HTTPLLMEndpoint

    /// The session's conversation so far, as chat messages (`user`, `assistant`, alternating).
    public private(set) var history: [(role: String, content: String)] = []
    /// How long the client's first connection took to set up: from the first request's start to its
    /// head going out (lookup, TCP connect, proxy tunnel, TLS handshake), on the wall clock. The opening
    /// request's with `preconnect`, else the first turn's; nil while no request has gone out.
    public private(set) var connectTime: Duration?
    private var client: HTTPStreamSession?
    private var opening: Opening?
    private var reply: Reply?
    private var replied = false

    /// The reply in flight.
    private final class Reply {
        let turn: Int
        let user: String
        let key: String
        var stream: HTTPStreamSession.Stream?
        var inbox: StageInbox<HTTPStreamSession.Event>?
        var stall: Scheduled?
        var total: Scheduled?
        var parser = ChatStreamParser()
        var status: Int?
        var location: String?
        var body = Data()
        var text = ""
        var marked = false

        let started: RunTime

        init(turn: Int, user: String, key: String, started: RunTime) {
            self.turn = turn
            self.user = user
            self.key = key
            self.started = started
        }

        /// Ends the reply; a complete one lets its response end within `draining`, so its connection is kept.
        func close(draining: Duration? = nil) {
            stall?.cancel()
            total?.cancel()
            if let draining { stream?.drain(within: draining) } else { stream?.cancel() }
            inbox?.close()
        }
    }

    /// The request that opens the connection before the first turn.
    private final class Opening {
        var stream: HTTPStreamSession.Stream?
        var inbox: StageInbox<HTTPStreamSession.Event>?
        var limit: Scheduled?

        /// Lets the request run to its end, so its connection is kept, unless `cancelling`.
        func close(cancelling: Bool) {
            limit?.cancel()
            if cancelling { stream?.cancel() }
            inbox?.close()
        }
    }

    /// Throws `InputError` for a configuration no request could be made from (see `HTTPLLMEndpoint`).
    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
        endpoint = try HTTPLLMEndpoint(configuration)
    }

    deinit {
        reply?.close()
        opening?.close(cancelling: true)
        client?.shutdown()
    }

    public func started(context: StageContext) {
        history = []
        if configuration.preconnect { open(context: context) }
    }

    public func finished(context: StageContext) {
        abandon(keepingTurn: true)
        opening?.close(cancelling: true)
        opening = nil
        client?.shutdown()
        client = nil
    }

    /// The stage's one session, made on first use: a stage made only to check a pipeline file opens nothing.
    private var session: HTTPStreamSession {
        if let client { return client }
        // No connection attempt outlives a turn's total limit; the idle limit usually ends it sooner.
        let made = HTTPStreamSession(endpoint.connection, connectLimit: configuration.totalTimeout)
        client = made
        return made
    }

    /// Sends the opening request; its answer, whatever its status, leaves a connection to reuse.
    private func open(context: StageContext) {
        var request = HTTPStreamSession.Request(url: endpoint.models, method: .GET, headers: [:])
        authorize(&request, key: ProcessInfo.processInfo.environment[configuration.apiKeyVariable] ?? "")
        let o = Opening()
        opening = o
        let inbox = context.openInbox(of: HTTPStreamSession.Event.self) { [weak self, weak o] event in
            guard let self, let o, self.opening === o else { return }
            switch event {
            case .headSent(let setUp):
                self.noteConnection(setUp, context: context)
            case .response, .data:
                break
            case .finished:
                o.close(cancelling: false)
                self.opening = nil
            }
        }
        o.inbox = inbox
        // A server that never answers must not keep the session open: give up after the idle limit.
        o.limit = context.schedule(after: configuration.timeout) { [weak self, weak o] in
            guard let self, let o, self.opening === o else { return }
            o.close(cancelling: true)
            self.opening = nil
        }
        o.stream = session.start(request) { inbox.post($0) }
    }

    public func receive(_ frame: Frame, context: StageContext) throws {
        switch frame.payload {
        case .text(let chunk) where chunk.isFinal:
            // A request for an earlier turn that has not sent a token yet will not be heard: its
            // turn failed, and says why, rather than ending up missed with no reason.
            if let r = reply, r.turn != frame.turn, !r.marked {
                let waited = Int((context.now - r.started).milliseconds)
                fail("no reply before the next turn began: nothing streamed in \(waited) ms", context: context)
            }
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
        let request: HTTPStreamSession.Request
        do {
            request = try makeRequest(user: user, key: key)
        } catch {
            history += [("user", user)]
            return context.fail(turn: turn, reason: "\(error)")
        }
        let r = Reply(turn: turn, user: user, key: key, started: context.now)
        reply = r
        let inbox = context.openInbox(of: HTTPStreamSession.Event.self) { [weak self, weak r] event in
            guard let self, let r, self.reply === r else { return }
            self.handle(event, context: context)
        }
        r.inbox = inbox
        rearmStall(context: context)
        r.total = context.schedule(after: configuration.totalTimeout) { [self] in
            fail("took longer than \(Int(configuration.totalTimeout.milliseconds)) ms in all (total_timeout_ms)", context: context)
        }
        r.stream = session.start(request) { inbox.post($0) }
    }

    func makeRequest(user: String, key: String) throws -> HTTPStreamSession.Request {
        var messages = [ChatMessage(role: "system", content: configuration.systemPrompt)]
        messages += history.map { ChatMessage(role: $0.role, content: $0.content) }
        messages.append(ChatMessage(role: "user", content: user))
        let body = ChatRequest(model: configuration.model, stream: true, max_tokens: configuration.maxTokens, messages: messages)
        var request = HTTPStreamSession.Request(url: endpoint.chat, method: .POST,
                                                headers: ["Content-Type": "application/json", "Accept": "text/event-stream"],
                                                body: try JSONEncoder().encode(body))
        authorize(&request, key: key)
        return request
    }

    /// The key as a Bearer token, then the configured headers, which may replace any of the stage's.
    private func authorize(_ request: inout HTTPStreamSession.Request, key: String) {
        if !key.isEmpty { request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(key)") }
        for header in endpoint.headers { request.headers.replaceOrAdd(name: header.name, value: header.value) }
    }

    /// The first request to go out opened the client's first connection: its set-up is the session's
    /// connection time. Later requests ride a kept connection, or one the report does not count.
    private func noteConnection(_ setUp: Duration, context: StageContext) {
        guard connectTime == nil else { return }
        connectTime = setUp
        context.recordConnection(setUp)
    }

    /// The stall limit starts again from now: no response, or nothing new, for `timeout` fails the turn.
    private func rearmStall(context: StageContext) {
        guard let reply else { return }
        reply.stall?.cancel()
        reply.stall = context.schedule(after: configuration.timeout) { [self] in
            let ms = Int(configuration.timeout.milliseconds)
            fail(reply.status == nil ? "timed out: no response within \(ms) ms (timeout_ms)"
                                     : "stalled: nothing from the server for \(ms) ms (timeout_ms)", context: context)
        }
    }

    /// One piece of the request's progress, on the stage's own context.
    private func handle(_ event: HTTPStreamSession.Event, context: StageContext) {
        guard let reply else { return }
        switch event {
        case .headSent(let setUp):
            noteConnection(setUp, context: context)
        case .response(let status, let location):
            reply.status = status
            reply.location = location
            rearmStall(context: context)
        case .finished(let error):
            if let error {
                let hint = !error.untrustedCertificate ? ""
                    : endpoint.connection.caBundle.map { "; no CA in ca_bundle (\($0)) signed it" }
                        ?? "; set ca_bundle to a PEM file of the CA that signed it"
                return fail("request failed: \(error)\(hint)", context: context)
            }
            if let status = reply.status, status >= 300 {
                return fail(failure(status, body: reply.body, location: reply.location), context: context)
            }
            // Some servers close without [DONE]; a clean close still ends the reply.
            context.emit(.text(TextChunk("", isFinal: true)), turn: reply.turn)
            complete()
        case .data(let data):
            rearmStall(context: context)
            if let status = reply.status, status >= 300 { return reply.body.append(data) }
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
        reply.close(draining: configuration.timeout)
        history += [("user", reply.user), ("assistant", reply.text)]
        self.reply = nil
    }

    private func fail(_ reason: String, context: StageContext) {
        guard let reply else { return }
        reply.close()
        history += [("user", reply.user)]
        if !reply.text.isEmpty { history += [("assistant", reply.text)] }
        self.reply = nil
        context.fail(turn: reply.turn, reason: Self.redacting([reply.key] + endpoint.secrets, in: reason))
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

    static func redacting(_ secrets: [String], in text: String) -> String {
        secrets.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
            .reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }

    /// The reason for a status the stage does not stream from: a redirect it did not follow, or an error.
    private func failure(_ status: Int, body: Data, location: String?) -> String {
        if status < 400 {
            let to = location.map { " to \(HTTPLLMEndpoint.redacted($0))" } ?? ""
            return "HTTP \(status): redirected\(to), not followed (only a 307 or 308 on the same host keeps the request); "
                + "set base_url to where the server points"
        }
        let reason = Self.httpFailure(status, body: body, secrets: [reply?.key ?? ""] + endpoint.secrets)
        // A bare 404 is most often a wrong base_url: say where the request went.
        return status == 404 ? reason + " (POST \(endpoint.chat.path))" : reason
    }

    /// The reason for an error status: the server's message, or the start of its body — with the
    /// secrets redacted before the body is cut, so no part of one can survive the cut.
    static func httpFailure(_ status: Int, body: Data, secrets: [String]) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
           let message = ChatStreamParser.errorMessage(object) {
            return "HTTP \(status): \(redacting(secrets, in: message))"
        }
        let whole = redacting(secrets, in: String(decoding: body, as: UTF8.self))
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
}
