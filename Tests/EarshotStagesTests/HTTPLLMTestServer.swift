import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-connection-at-a-time HTTP server on 127.0.0.1 (ephemeral port) for the `llm-openai`
/// tests: each connection gets the next scripted response — status, then pieces of body each
/// written after a delay — and the request it came with is recorded. It stops itself after
/// `lifetime`, so a test that fails half-way leaves no thread behind for long.
///
/// `@unchecked Sendable` because the accept thread and the test share it: the listening socket
/// is set once in `init` and closed once (guarded by `lock`), and `requests` and `responses` are
/// touched only while `lock` is held.
final class HTTPLLMTestServer: @unchecked Sendable {
    struct Response {
        var status: Int = 200
        var contentType = "text/event-stream"
        /// Body pieces, each written `after` the previous one (the first after the request is read).
        var pieces: [(after: Duration, text: String)]
        /// How long to keep the connection open after the last piece before closing it.
        var hold: Duration = .zero
    }

    struct Request {
        var head: String
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
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
    private let lock = NSLock()
    private var responses: [Response]
    private var recorded: [Request] = []
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

    init(_ responses: [Response], lifetime: Duration = .seconds(8)) throws {
        self.responses = responses
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
        let end = ContinuousClock.now + lifetime
        Thread { [self] in serve(until: end) }.start()
    }

    deinit { stop() }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    var requests: [Request] {
        lock.lock(); defer { lock.unlock() }
        return recorded
    }

    func stop() {
        lock.lock(); defer { lock.unlock() }
        if !closed { closed = true; close(listener) }
    }

    private var isClosed: Bool {
        lock.lock(); defer { lock.unlock() }
        return closed
    }

    private func serve(until end: ContinuousClock.Instant) {
        defer { stop() }
        while ContinuousClock.now < end && !isClosed {
            var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var request: Request?
        while request == nil {
            let n = read(client, &buffer, buffer.count)
            guard n > 0 else { return }
            data.append(contentsOf: buffer[0..<n])
            guard let split = data.range(of: Data("\r\n\r\n".utf8)) else { continue }
            let head = String(decoding: data[..<split.lowerBound], as: UTF8.self)
            let partial = Request(head: head, body: Data())
            let length = Int(partial.header("Content-Length") ?? "0") ?? 0
            let body = data[split.upperBound...]
            if body.count >= length { request = Request(head: head, body: Data(body.prefix(length))) }
        }
        lock.lock()
        recorded.append(request!)
        let response = responses.isEmpty ? Response(status: 404, contentType: "text/plain", pieces: [(.zero, "no more scripted responses")])
                                         : responses.removeFirst()
        lock.unlock()
        send(client, "HTTP/1.1 \(response.status) Scripted\r\nContent-Type: \(response.contentType)\r\nConnection: close\r\n\r\n")
        for piece in response.pieces {
            Thread.sleep(forTimeInterval: Double(piece.after.nanoseconds) / 1e9)
            send(client, piece.text)
        }
        Thread.sleep(forTimeInterval: Double(response.hold.nanoseconds) / 1e9)
    }

    private func send(_ client: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            sent += n
        }
    }
}
