import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The HTTP upgrade to WebSocket, as NIOWebSocket does it — the client checks the server's
/// accept key, the server the request's key and version — with the upgraded connection handed
/// to `WebSocketFrameHandler` in place of NIOWebSocket's codec.
final class ClientUpgrader: NIOHTTPClientProtocolUpgrader, Sendable {
    private let handshake = NIOWebSocketClientUpgrader(maxFrameSize: WebSocketFraming.maxMessage) { ch, _ in
        ch.eventLoop.makeSucceededVoidFuture()
    }
    private let upgraded: @Sendable (Channel) throws -> Void

    /// `upgraded` runs on the channel's loop once the server has agreed: it adds the frame handler.
    init(upgraded: @escaping @Sendable (Channel) throws -> Void) { self.upgraded = upgraded }

    var supportedProtocol: String { handshake.supportedProtocol }
    var requiredUpgradeHeaders: [String] { handshake.requiredUpgradeHeaders }
    func addCustom(upgradeRequestHeaders: inout HTTPHeaders) { handshake.addCustom(upgradeRequestHeaders: &upgradeRequestHeaders) }
    func shouldAllowUpgrade(upgradeResponse: HTTPResponseHead) -> Bool { handshake.shouldAllowUpgrade(upgradeResponse: upgradeResponse) }

    func upgrade(context: ChannelHandlerContext, upgradeResponse: HTTPResponseHead) -> EventLoopFuture<Void> {
        let ch = context.channel
        return ch.eventLoop.makeCompletedFuture { try upgraded(ch) }
    }
}

final class ServerUpgrader: HTTPServerProtocolUpgrader, Sendable {
    private let handshake: NIOWebSocketServerUpgrader
    private let upgraded: @Sendable (Channel, HTTPRequestHead) throws -> Void

    /// Upgrades requests whose path `allows`; `upgraded` runs on the channel's loop once the
    /// response has gone: it adds the frame handler.
    init(allows: @escaping @Sendable (String) -> Bool, upgraded: @escaping @Sendable (Channel, HTTPRequestHead) throws -> Void) {
        handshake = NIOWebSocketServerUpgrader(
            maxFrameSize: WebSocketFraming.maxMessage,
            shouldUpgrade: { ch, head in ch.eventLoop.makeSucceededFuture(allows(head.uri) ? HTTPHeaders() : nil) },
            upgradePipelineHandler: { ch, _ in ch.eventLoop.makeSucceededVoidFuture() })
        self.upgraded = upgraded
    }

    var supportedProtocol: String { handshake.supportedProtocol }
    var requiredUpgradeHeaders: [String] { handshake.requiredUpgradeHeaders }

    func buildUpgradeResponse(channel: Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders) -> EventLoopFuture<HTTPHeaders> {
        handshake.buildUpgradeResponse(channel: channel, upgradeRequest: upgradeRequest, initialResponseHeaders: initialResponseHeaders)
    }

    func upgrade(context: ChannelHandlerContext, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<Void> {
        let ch = context.channel
        return ch.eventLoop.makeCompletedFuture { try upgraded(ch, upgradeRequest) }
    }
}
