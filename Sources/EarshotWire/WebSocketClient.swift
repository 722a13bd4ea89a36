import EarshotCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One WebSocket connection from the caller's side, on swift-nio's event loops: no thread of its
/// own, so a thousand callers are a thousand channels on a few loops.
///
/// What happens on the connection reaches `onEvent`, on an event loop thread: exactly one `open`
/// or none, any number of `text`, and exactly one `closed`, last. `send` may be called from any
/// thread once `open` has been seen.
public final class WebSocketClient: Sendable {
    public enum Event: Sendable {
        /// The upgrade succeeded. `setUp` runs from the connect call to the server's 101: TCP, TLS
        /// and the HTTP upgrade, a cost apart from any turn.
        case open(setUp: Duration)
        /// A text message, as its UTF-8 bytes.
        case text(ByteBuffer)
        /// The connection ended; `reason` says why, nil when this side closed it.
        case closed(reason: String?)
    }

    /// The connection once TCP is up, and whether the upgrade is done (only then may text go out).
    private let line = NIOLockedValueBox<(channel: Channel?, upgraded: Bool)>((nil, false))
    private let state: ConnectionState
    private let keys = MaskingKeys()

    /// Starts connecting; returns at once.
    public init(to address: WebSocketAddress, headers: [(String, String)] = [], trustRoots: [NIOSSLCertificate]? = nil,
                connectTimeout: Duration = .seconds(10), group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                onEvent: @escaping @Sendable (Event) -> Void) {
        state = ConnectionState(onEvent: onEvent)
        let state = self.state, line = self.line, keys = self.keys
        let started = ContinuousClock.now
        let sslContext: NIOSSLContext?
        if address.secure {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let trustRoots { tls.trustRoots = .certificates(trustRoots) }
            do { sslContext = try NIOSSLContext(configuration: tls) } catch {
                state.close(reason: "TLS set-up failed: \(error)")
                return
            }
        } else {
            sslContext = nil
        }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: address.target)
        head.headers.add(name: "Host", value: address.hostHeader)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        let request = head
        // One loop per call, for the connection and its timer alike: asking the group twice would
        // hand out loops in pairs, and put every connection on the same one.
        let loop = group.next()
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(connectTimeout.nanoseconds))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { ch in
                let requester = UpgradeRequester(request: request, state: state)
                let upgrader = ClientUpgrader { ch in
                    line.withLockedValue { $0 = (ch, true) }
                    try ch.pipeline.syncOperations.addHandler(WebSocketFrameHandler(masks: keys) { incoming in
                        Self.handle(incoming, on: ch, state: state)
                    })
                    // Hung up while dialling: no call to report.
                    if !state.open(setUp: ContinuousClock.now - started) { ch.close(promise: nil) }
                }
                return ch.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try ch.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: address.host.first?.isNumber == true || address.host.contains(":") ? nil : address.host))
                    }
                }.flatMap {
                    ch.pipeline.addHTTPClientHandlers(withClientUpgrade: (upgraders: [upgrader], completionHandler: { ctx in
                        ctx.pipeline.removeHandler(requester, promise: nil)
                    }))
                }.flatMap { ch.pipeline.addHandler(requester) }
            }
        bootstrap.connect(host: address.host, port: address.port).whenComplete { result in
            switch result {
            case .success(let ch):
                line.withLockedValue { if $0.channel == nil { $0.channel = ch } }
                ch.closeFuture.whenComplete { _ in state.close(reason: "the connection was lost") }
                if state.closeRequested { ch.close(promise: nil) }
            case .failure(let error):
                state.close(reason: Self.describe(connectError: error, address: address))
            }
        }
        // TCP's own limit covers the connect; this one the TLS handshake and the upgrade as well.
        loop.scheduleTask(in: .nanoseconds(connectTimeout.nanoseconds)) {
            guard !state.isOpen else { return }
            state.close(reason: "no answer to the WebSocket handshake within \(Int(connectTimeout.milliseconds)) ms")
            line.withLockedValue { $0.channel }?.close(promise: nil)
        }
    }

    /// Sends one text message; dropped once the connection has closed.
    public func send(_ text: String) { send(WebSocketMessage.text(text)) }

    /// Sends one text message, its UTF-8 bytes in a buffer from `WebSocketMessage.buffer`.
    public func send(_ message: consuming ByteBuffer) {
        guard let ch = line.withLockedValue({ $0.upgraded ? $0.channel : nil }), !state.isClosed else { return }
        ch.sendWebSocket(message, mask: keys.next())
    }

    /// Says goodbye (close code 1000) and closes; `closed(reason: nil)` follows.
    public func close() {
        guard state.closeBySelf() else { return }
        let (channel, upgraded) = line.withLockedValue { $0 }
        guard let ch = channel else { return }   // still dialling: the connect's completion closes it
        guard upgraded else { return ch.close(promise: nil) }
        ch.closeWebSocket(code: 1000, mask: keys.next())
    }

    /// What the agent's frames say, as the caller takes it.
    private static func handle(_ incoming: WebSocketFrameHandler.Incoming, on ch: Channel, state: ConnectionState) {
        switch incoming {
        case .text(let bytes):
            state.text(bytes)
        case .binary:
            state.close(reason: "the agent sent a binary message where the protocol has JSON text")
            ch.close(promise: nil)
        case .close(let code, let why):
            state.close(reason: "the agent closed the connection (code \(code.map(String.init) ?? "none")\(why.isEmpty ? "" : ", " + why.prefix(200)))")
            ch.close(promise: nil)
        case .brokeProtocol(let why):
            state.close(reason: "the agent broke the WebSocket protocol: \(why)")
        case .failed(let why):
            state.close(reason: "the connection failed: \(why)")
        case .ended:
            break   // the channel's close future reports it
        }
    }

    static func describe(connectError error: any Error, address: WebSocketAddress) -> String {
        switch error {
        case let e as NIOConnectionError:
            if let first = e.connectionErrors.first {
                // The system's own words ("Connection refused"), not swift-nio's wrapping of them.
                let why = (first.error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(first.error)"
                return "cannot connect to \(address.hostHeader): \(why)"
            }
            if let dns = e.dnsAAAAError ?? e.dnsAError { return "cannot resolve \(address.host): \(dns)" }
            return "cannot connect to \(address.hostHeader)"
        case is ChannelError where "\(error)".contains("connectTimeout"):
            return "cannot connect to \(address.hostHeader): timed out"
        default:
            return "cannot connect to \(address.hostHeader): \(error)"
        }
    }
}

/// Who has said what about the connection: one `open` at most, one `closed`, whoever sees the end first.
final class ConnectionState: Sendable {
    private let onEvent: @Sendable (WebSocketClient.Event) -> Void
    private let flags = NIOLockedValueBox((opened: false, closed: false, bySelf: false))

    init(onEvent: @escaping @Sendable (WebSocketClient.Event) -> Void) { self.onEvent = onEvent }

    var isClosed: Bool { flags.withLockedValue { $0.closed } }
    var isOpen: Bool { flags.withLockedValue { $0.opened } }
    var closeRequested: Bool { flags.withLockedValue { $0.bySelf } }

    /// Reports the open line; false when this side hung up while it was dialling, or it had ended.
    func open(setUp: Duration) -> Bool {
        let first = flags.withLockedValue { f -> Bool in
            guard !f.opened, !f.closed, !f.bySelf else { return false }
            f.opened = true
            return true
        }
        if first { onEvent(.open(setUp: setUp)) }
        return first
    }

    func text(_ s: ByteBuffer) {
        guard !isClosed else { return }
        onEvent(.text(s))
    }

    /// Marks a close this side asked for; false if the connection had already ended.
    func closeBySelf() -> Bool {
        flags.withLockedValue { f in
            guard !f.closed, !f.bySelf else { return false }
            f.bySelf = true
            return true
        }
    }

    func close(reason: String) {
        let (first, bySelf) = flags.withLockedValue { f -> (Bool, Bool) in
            guard !f.closed else { return (false, f.bySelf) }
            f.closed = true
            return (true, f.bySelf)
        }
        if first { onEvent(.closed(reason: bySelf ? nil : reason)) }
    }
}

/// Sends the upgrade request once the connection is up; reports a refused upgrade.
private final class UpgradeRequester: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let request: HTTPRequestHead
    let state: ConnectionState

    init(request: HTTPRequestHead, state: ConnectionState) {
        self.request = request
        self.state = state
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A response that reaches this handler is one the upgrade did not take.
        if case .head(let head) = unwrapInboundIn(data) {
            state.close(reason: "the WebSocket handshake was refused: HTTP \(head.status.code) \(head.status.reasonPhrase)")
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason: String
        switch error {
        case let e as NIOHTTPClientUpgradeError: reason = "the WebSocket handshake failed: \(e)"
        case let e as NIOSSLError: reason = "the TLS handshake failed: \(e)"
        case let e as BoringSSLError: reason = "the TLS handshake failed: \(e)"
        default: reason = "the WebSocket handshake failed: \(error)"
        }
        state.close(reason: reason)
        context.close(promise: nil)
    }
}
