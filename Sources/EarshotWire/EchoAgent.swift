#if os(Linux)
import CEpoll
import Foundation
import NIOCore
import Synchronization

/// The callers benchmark's far end: a Twilio Media Streams agent that sends every piece of the
/// caller's audio straight back — the minimal agent. It runs on one thread, on bare sockets and
/// epoll, because it shares the benchmark's cores with the harness it is there to load: what it
/// spends, the harness cannot, and an agent on swift-nio spent half as much again as this one per
/// message (see Reports/bench/callers.csv for what this one spends). The protocol it keeps is
/// the one `LocalAgent` keeps: the HTTP upgrade with its accept key, masked frames in, ping and
/// close answered, `media` echoed with the stream's id, `stop` ends the call.
public final class EchoAgent: Sendable {
    public let port: Int
    public var url: String { "ws://127.0.0.1:\(port)/twilio" }
    private let listener: Int32
    private let stopped = Atomic(false)
    private let finished = Mutex(false)

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Listens on 127.0.0.1:`port` (0: any free port); `serve` or `start` answers.
    public init(port: Int = 0) throws(Failure) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 4096) == 0 else {
            let why = String(cString: strerror(errno))
            close(listener)
            throw Failure(description: "cannot listen on 127.0.0.1:\(port): \(why)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Answers calls on this thread until `stop`.
    public func serve() {
        let loop = EchoLoop(listener: listener)
        while !stopped.load(ordering: .relaxed) { loop.turn(timeoutMs: 100) }
        loop.closeAll()
        close(listener)
        finished.withLock { $0 = true }
    }

    /// Answers calls on a thread of its own.
    public func start() {
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// Hangs up every call and stops listening, within a tenth of a second.
    public func stop() {
        stopped.store(true, ordering: .relaxed)
        while !finished.withLock({ $0 }) { usleep(1_000) }
    }
}

/// The agent's one thread: who is connected, and what each has said.
private final class EchoLoop {
    private let listener: Int32
    private let epoll: Int32
    private var calls: [Int32: EchoCall] = [:]
    private var events = [epoll_event](repeating: epoll_event(), count: 256)
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)

    init(listener: Int32) {
        self.listener = listener
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        watch(listener, EPOLLIN.rawValue, op: EPOLL_CTL_ADD)
    }

    deinit {
        readBuffer.deallocate()
        close(epoll)
    }

    func turn(timeoutMs: Int32) {
        let n = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, Int32($0.count), timeoutMs) }
        guard n > 0 else { return }
        for i in 0..<Int(n) {
            let fd = events[i].data.fd
            let flags = events[i].events
            if fd == listener { acceptAll(); continue }
            guard let call = calls[fd] else { continue }
            if flags & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { hangUp(call); continue }
            if flags & EPOLLOUT.rawValue != 0 { flush(call) }
            if flags & EPOLLIN.rawValue != 0 { readFrom(call) }
        }
    }

    func closeAll() {
        for call in calls.values { hangUp(call) }
    }

    private func watch(_ fd: Int32, _ events: UInt32, op: Int32) {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        epoll_ctl(epoll, op, fd, &event)
    }

    private func acceptAll() {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            calls[fd] = EchoCall(fd: fd)
            watch(fd, EPOLLIN.rawValue, op: EPOLL_CTL_ADD)
        }
    }

    private func readFrom(_ call: EchoCall) {
        let n = read(call.fd, readBuffer.baseAddress, readBuffer.count)
        if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
        guard n > 0 else { return hangUp(call) }
        var bytes = ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: readBuffer[..<n]))
        if !call.upgraded {
            call.request.writeBuffer(&bytes)
            guard let rest = handshake(call) else { return }
            bytes = rest
        }
        do throws(WebSocketFrameReader.ProtocolError) {
            try call.reader.read(bytes) { event in hear(event, on: call) }
        } catch {
            hangUp(call)
        }
    }

    /// Answers the upgrade once its head is in; what came after the head, or nil while it is still coming.
    private func handshake(_ call: EchoCall) -> ByteBuffer? {
        let view = call.request.readableBytesView
        guard let end = view.firstRange(of: Array("\r\n\r\n".utf8)) else {
            if view.count > 16_384 { hangUp(call) }
            return nil
        }
        let head = String(decoding: view[..<end.lowerBound], as: UTF8.self).split(separator: "\r\n")
        let target = head.first?.split(separator: " ").dropFirst().first ?? ""
        let key = head.dropFirst().first { $0.lowercased().hasPrefix("sec-websocket-key:") }
            .map { $0.dropFirst("sec-websocket-key:".count).trimmingCharacters(in: .whitespaces) }
        guard target.hasPrefix("/twilio"), let key else {
            write(ByteBuffer(string: "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), to: call)
            hangUp(call)
            return nil
        }
        let accept = Data(SHA1.digest(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
        write(ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n"), to: call)
        call.upgraded = true
        let rest = call.request.getSlice(at: end.upperBound, length: view.endIndex - end.upperBound)
        call.request = ByteBuffer()
        return rest
    }

    private func hear(_ event: WebSocketFrameReader.Event, on call: EchoCall) {
        switch event {
        case .text(let message):
            if let payload = TwilioCaller.mediaPayload(message) {
                var echo = WebSocketMessage.buffer(capacity: payload.readableBytes + call.streamSid.utf8.count + 64)
                TwilioAgent.media(payload: payload, streamSid: call.streamSid, into: &echo)
                send(echo, .text, to: call)
                return
            }
            switch try? TwilioAgent.read(String(buffer: message)) {
            case .start(let sid): call.streamSid = sid
            case .stop: closeCall(call, code: 1000)
            default: break
            }
        case .ping(let payload): send(payload, .pong, to: call)
        case .close: closeCall(call, code: 1000)
        case .binary, .pong: break
        }
    }

    private func send(_ message: ByteBuffer, _ opcode: WebSocketOpcode, to call: EchoCall) {
        var framed = message
        WebSocketFraming.frame(&framed, opcode: opcode, mask: nil)
        write(framed, to: call)
    }

    private func closeCall(_ call: EchoCall, code: UInt16) {
        send(WebSocketFraming.closing(code: code), .close, to: call)
        hangUp(call)
    }

    /// Writes what the socket takes now; the rest waits for it to drain, in order.
    private func write(_ bytes: ByteBuffer, to call: EchoCall) {
        guard calls[call.fd] != nil else { return }
        if call.unsent.readableBytes > 0 {
            var more = bytes
            call.unsent.writeBuffer(&more)
            return
        }
        let n = bytes.withUnsafeReadableBytes { Glibc.send(call.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n == bytes.readableBytes { return }
        if n < 0 && errno != EAGAIN && errno != EINTR { return hangUp(call) }
        var rest = bytes
        rest.moveReaderIndex(forwardBy: max(0, n))
        call.unsent.writeBuffer(&rest)
        watch(call.fd, EPOLLIN.rawValue | EPOLLOUT.rawValue, op: EPOLL_CTL_MOD)
    }

    private func flush(_ call: EchoCall) {
        let n = call.unsent.withUnsafeReadableBytes { Glibc.send(call.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n < 0 && errno != EAGAIN && errno != EINTR { return hangUp(call) }
        call.unsent.moveReaderIndex(forwardBy: max(0, n))
        if call.unsent.readableBytes == 0 {
            call.unsent = ByteBuffer()
            watch(call.fd, EPOLLIN.rawValue, op: EPOLL_CTL_MOD)
        }
    }

    private func hangUp(_ call: EchoCall) {
        guard calls.removeValue(forKey: call.fd) != nil else { return }
        close(call.fd)
    }
}

/// One caller's connection.
private final class EchoCall {
    let fd: Int32
    var upgraded = false
    /// The upgrade request's bytes so far.
    var request = ByteBuffer()
    var reader = WebSocketFrameReader()
    var streamSid = ""
    /// Bytes the socket would not take yet.
    var unsent = ByteBuffer()

    init(fd: Int32) { self.fd = fd }
}
#endif
