import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A WebSocket server on swift-nio, for the agents the tests run (`LocalAgent`):
/// each connection is a `WebSocketPeer`, confined to its channel's event loop.
public final class WebSocketServer: Sendable {
    public let port: Int
    private let channel: Channel

    /// Listens on `host:port` (0: any free port). `accept` runs on the new peer's event loop, once
    /// the upgrade is done, for requests whose path `allows`; others get HTTP 404.
    public init(host: String = "127.0.0.1", port: Int = 0, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                allows: @escaping @Sendable (String) -> Bool = { _ in true },
                accept: @escaping @Sendable (WebSocketPeer) -> Void) throws {
        let upgrader = ServerUpgrader(allows: allows) { ch, head in
            let peer = WebSocketPeer(channel: ch, path: head.uri)
            try ch.pipeline.syncOperations.addHandler(WebSocketFrameHandler(masks: nil) { incoming in peer.hear(incoming) })
            accept(peer)
        }
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 4096)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { ch in
                let refusal = NotFound()
                return ch.pipeline.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { ctx in
                    ctx.pipeline.removeHandler(refusal, promise: nil)
                })).flatMap { ch.pipeline.addHandler(refusal) }
            }
            .bind(host: host, port: port).wait()
        self.port = channel.localAddress?.port ?? port
    }

    public func stop() {
        try? channel.close().wait()
    }
}

/// One caller's connection, as an agent sees it. Use it on `eventLoop` only.
public final class WebSocketPeer: @unchecked Sendable {
    public let path: String
    public var eventLoop: EventLoop { channel.eventLoop }
    /// Each text message, as its UTF-8 bytes.
    public var onText: ((ByteBuffer) -> Void)?
    public var onClose: (() -> Void)?
    let channel: Channel

    init(channel: Channel, path: String) {
        self.channel = channel
        self.path = path
    }

    public func send(_ text: String) { send(WebSocketMessage.text(text)) }

    /// Sends one text message, its UTF-8 bytes in a buffer from `WebSocketMessage.buffer`.
    public func send(_ message: consuming ByteBuffer) { channel.sendWebSocket(message, mask: nil) }

    /// Closes with a close frame carrying `code` (RFC 6455 §7.4: 1000 normal, 1011 a server error).
    public func close(code: UInt16 = 1000) { channel.closeWebSocket(code: code, mask: nil) }

    /// Drops the connection without a close frame, as a crashed agent does.
    public func drop() { channel.close(promise: nil) }

    fileprivate func hear(_ incoming: WebSocketFrameHandler.Incoming) {
        switch incoming {
        case .text(let bytes): onText?(bytes)
        case .close: close()
        case .ended:
            onClose?()
            onClose = nil
            onText = nil
        case .binary, .brokeProtocol, .failed: break
        }
    }
}

/// Answers a request that asked for no upgrade, or one the server refused, with 404.
private final class NotFound: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        let head = HTTPResponseHead(version: .http1_1, status: .notFound, headers: ["Content-Length": "0", "Connection": "close"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        let ch = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in ch.close(promise: nil) }
    }
}
