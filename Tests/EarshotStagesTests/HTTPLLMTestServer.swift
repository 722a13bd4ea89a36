import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An HTTP/1.1 server on 127.0.0.1 (ephemeral port) for the `llm-openai` tests: each chat request
/// gets the next scripted response — status, then pieces of body each written after a delay — and
/// is recorded with the connection it came on. Connections stay open between requests (bodies are
/// chunked), each served by a thread of its own, so a test can count the client's connections.
/// `GET /v1/models`, what the stage opens its connection with, is answered without using the
/// script. As a proxy it grants every `CONNECT` and then answers on the tunnelled connection as the
/// server itself would. The server stops itself after `lifetime`, so a test that fails half-way
/// leaves no thread behind for long.
///
/// `@unchecked Sendable` because the threads and the test share it: the listening socket is set
/// once in `init` and closed once, by the accepting thread, and everything else is touched only while `lock` is held.
final class HTTPLLMTestServer: @unchecked Sendable {
    struct Response {
        var status: Int = 200
        var contentType = "text/event-stream"
        /// More header lines, e.g. `Location: /elsewhere`.
        var headers: [String] = []
        /// Body pieces, each written `after` the previous one (the first after the request is read).
        var pieces: [(after: Duration, text: String)]
        /// How long to keep the connection open after the last piece before closing it, unfinished;
        /// zero ends the body and keeps the connection for the next request.
        var hold: Duration = .zero
        /// How long after the last piece the body's end comes; zero: in the same write.
        var end: Duration = .zero
        /// After the pieces, one more byte (an SSE comment's colon) this often until the client hangs up.
        var trickle: Duration?
    }

    struct Request {
        var head: String
        var body: Data
        /// 1 for the first connection the server accepted, and so on.
        var connection = 0
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        /// The request line's target: path and query.
        var target: String { head.split(separator: " ").dropFirst().first.map(String.init) ?? "" }
        func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n").dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
    }

    let port: UInt16
    private let listener: Int32
    private let end: ContinuousClock.Instant
    private let lock = NSLock()
    private var responses: [Response]
    private var recorded: [Request] = []
    private var opened: [Request] = []
    private var tunnelled: [Request] = []
    private var connectionCount = 0
    private var closed = false

    /// SSE pieces for a reply: the first token after `first`, the rest `interval` apart, then [DONE].
    static func sse(_ tokens: [String], first: Duration, interval: Duration = .milliseconds(10)) -> Response {
        var pieces = tokens.enumerated().map { i, t in
            (after: i == 0 ? first : interval, text: "data: " + chunk(t) + "\n\n")
        }
        pieces.insert((after: .zero, text: ": opening\n\ndata: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n"), at: 0)
        pieces.append((after: interval, text: "data: [DONE]\n\n"))
        return Response(pieces: pieces)
    }

    static func chunk(_ token: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: ["choices": [["index": 0, "delta": ["content": token]]]])
        return String(decoding: data, as: UTF8.self)
    }

    /// How long `GET /v1/models` takes to answer.
    private let openingDelay: Duration

    init(_ responses: [Response], lifetime: Duration = .seconds(8), opening openingDelay: Duration = .zero) throws {
        self.responses = responses
        self.openingDelay = openingDelay
        // The stage hangs up mid-stream on purpose (interruption, stall); a write to it then must fail, not kill the test run.
        signal(SIGPIPE, SIG_IGN)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        listener = fd
        end = ContinuousClock.now + lifetime
        Thread { [self] in serve() }.start()
    }

    deinit { stop() }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The chat requests, in the order they came.
    var requests: [Request] {
        lock.lock(); defer { lock.unlock() }
        return recorded
    }

    /// The `GET /v1/models` requests that opened connections.
    var openings: [Request] {
        lock.lock(); defer { lock.unlock() }
        return opened
    }

    /// The `CONNECT` requests, as a proxy gets them.
    var tunnels: [Request] {
        lock.lock(); defer { lock.unlock() }
        return tunnelled
    }

    /// Connections accepted so far.
    var connections: Int {
        lock.lock(); defer { lock.unlock() }
        return connectionCount
    }

    /// Refuses new connections from now on. Only the accepting thread closes the listener: closed
    /// here, its descriptor number could be reused by the next test's server while that thread is
    /// between `poll` and `accept`, and the thread would take — and drop — the next test's connection.
    func stop() {
        lock.lock(); defer { lock.unlock() }
        if !closed { closed = true; shutdown(listener, Int32(SHUT_RDWR)) }
    }

    private var isClosed: Bool {
        lock.lock(); defer { lock.unlock() }
        return closed
    }

    private var isOver: Bool { isClosed || ContinuousClock.now >= end }

    private func serve() {
        defer {
            stop()
            close(listener)
        }
        while !isOver {
            var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            lock.lock()
            connectionCount += 1
            let number = connectionCount
            lock.unlock()
            Thread { [self] in
                serve(client, connection: number)
                close(client)
            }.start()
        }
    }

    /// Requests on one connection, one after another, until the client hangs up or a response ends it.
    private func serve(_ client: Int32, connection: Int) {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !isOver {
            guard let split = data.range(of: Data("\r\n\r\n".utf8)) else {
                var p = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 50) > 0 else { continue }
                let n = read(client, &buffer, buffer.count)
                guard n > 0 else { return }
                data.append(contentsOf: buffer[0..<n])
                continue
            }
            let head = String(decoding: data[..<split.lowerBound], as: UTF8.self)
            let length = Int(Request(head: head, body: Data()).header("Content-Length") ?? "0") ?? 0
            guard data.count - split.upperBound >= length else {
                let n = read(client, &buffer, buffer.count)
                guard n > 0 else { return }
                data.append(contentsOf: buffer[0..<n])
                continue
            }
            let request = Request(head: head, body: Data(data[split.upperBound..<(split.upperBound + length)]), connection: connection)
            data = Data(data[(split.upperBound + length)...])
            guard respond(to: request, on: client) else { return }
        }
    }

    /// Whether the connection may carry another request.
    private func respond(to request: Request, on client: Int32) -> Bool {
        if request.head.hasPrefix("CONNECT ") {
            lock.lock()
            tunnelled.append(request)
            lock.unlock()
            return send(client, "HTTP/1.1 200 Connection established\r\n\r\n")
        }
        if request.head.hasPrefix("GET ") && request.target.contains("/v1/models") {
            lock.lock()
            opened.append(request)
            lock.unlock()
            Thread.sleep(forTimeInterval: Double(openingDelay.nanoseconds) / 1e9)
            let body = #"{"object":"list","data":[{"id":"test-model","object":"model"}]}"#
            return send(client, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        }
        lock.lock()
        recorded.append(request)
        let response = responses.isEmpty ? Response(status: 404, contentType: "text/plain", pieces: [(.zero, "no more scripted responses")])
                                         : responses.removeFirst()
        lock.unlock()
        let head = ["HTTP/1.1 \(response.status) Scripted", "Content-Type: \(response.contentType)", "Transfer-Encoding: chunked"]
            + response.headers
        guard send(client, head.joined(separator: "\r\n") + "\r\n\r\n") else { return false }
        // A body that ends here ends in the same write as its last piece, as servers that stream
        // do: the client has the whole response when it reads [DONE], and its connection is free
        // for the test's next turn, which comes at once (a caller's next turn comes seconds later).
        let ends = response.trickle == nil && response.hold == .zero && response.end == .zero
        for (i, piece) in response.pieces.enumerated() {
            Thread.sleep(forTimeInterval: Double(piece.after.nanoseconds) / 1e9)
            let last = ends && i == response.pieces.count - 1
            guard send(client, Self.chunk(bytes: piece.text) + (last ? "0\r\n\r\n" : "")) else { return false }
        }
        if ends && !response.pieces.isEmpty { return true }
        if let trickle = response.trickle {
            while !isOver {
                Thread.sleep(forTimeInterval: Double(trickle.nanoseconds) / 1e9)
                guard send(client, Self.chunk(bytes: ":")) else { return false }
            }
            return false
        }
        if response.hold > .zero {
            Thread.sleep(forTimeInterval: Double(response.hold.nanoseconds) / 1e9)
            return false
        }
        Thread.sleep(forTimeInterval: Double(response.end.nanoseconds) / 1e9)
        return send(client, "0\r\n\r\n")
    }

    /// One piece of a chunked body.
    private static func chunk(bytes text: String) -> String {
        String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n"
    }

    /// Whether all of `text` went out.
    @discardableResult
    private func send(_ client: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }
}
