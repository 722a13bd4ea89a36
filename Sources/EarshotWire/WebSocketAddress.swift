import EarshotCore

/// Where a WebSocket connects: `ws://host[:port]/path?query` or `wss://…` (TLS).
public struct WebSocketAddress: Sendable, Equatable, CustomStringConvertible {
    public var secure: Bool
    public var host: String
    public var port: Int
    /// Path and query, as the upgrade request's target.
    public var target: String

    public init(parsing text: String) throws(InputError) {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("ws://") {
            secure = false
            rest = text.dropFirst(5)
        } else if lower.hasPrefix("wss://") {
            secure = true
            rest = text.dropFirst(6)
        } else {
            throw InputError("url \"\(text)\" is not a ws:// or wss:// URL")
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.contains("@") else {
            throw InputError("url must not carry a user or password: put a token in headers, read from the environment")
        }
        var target = String(rest[authorityEnd...])
        if target.isEmpty || target.first == "?" { target = "/" + target }
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
        self.target = target
        let hostPart: Substring
        var port = secure ? 443 : 80
        if authority.first == "[" {
            // An IPv6 literal: [::1]:8080.
            guard let close = authority.firstIndex(of: "]") else { throw InputError("url \"\(text)\": unclosed [ in the host") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":", let p = Int(after.dropFirst()) else { throw InputError("url \"\(text)\": bad port") }
                port = p
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            guard let p = Int(authority[authority.index(after: colon)...]) else { throw InputError("url \"\(text)\": bad port") }
            port = p
        } else {
            hostPart = authority
        }
        guard !hostPart.isEmpty else { throw InputError("url \"\(text)\" has no host") }
        guard (1...65_535).contains(port) else { throw InputError("url \"\(text)\": port \(port) is out of range") }
        self.host = String(hostPart)
        self.port = port
    }

    /// The Host header's value: the port only when it is not the scheme's own.
    var hostHeader: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port == (secure ? 443 : 80) ? h : "\(h):\(port)"
    }

    /// Without the query, which may carry a token.
    public var description: String { "\(secure ? "wss" : "ws")://\(hostHeader)\(target.prefix { $0 != "?" })" }
}
