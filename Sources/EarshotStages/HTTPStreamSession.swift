import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// One stage's HTTP client: an `HTTPClient` whose pool keeps its connections open between
/// requests, so a turn after the first pays no TCP or TLS handshake. Its event loops are the
/// process's shared ones; its connections are its own, so each session keeps its own alive.
/// Each request's progress is handed on as it happens: the client calls the request's delegate on
/// an event loop — the request's head written, the response's status, each piece of the body, the
/// end — and the delegate only passes each on to `onEvent` (a stage's `StageInbox`); nothing on an
/// event loop ever waits.
///
/// Redirects: the client follows none itself. A 307 or 308 to the same host (or from http to
/// https on it) is sent again from here with its method, headers and body once the redirect's
/// own response has ended (so the connection that carried it carries the request again); any
/// other redirect ends the request with its status and `Location`, for the stage to report.
final class HTTPStreamSession: Sendable {
    enum Event: Sendable {
        /// The request's head is written: the connection it went out on was ready after `setUp`
        /// from the request's start. On a new connection that is its set-up — lookup, TCP connect,
        /// proxy tunnel and TLS handshake; on a kept one, next to nothing.
        case headSent(setUp: Duration)
        /// `location` is the `Location` of a redirect the session did not follow.
        case response(status: Int, location: String?)
        case data(Data)
        /// The request is over; `error` is a transport failure (refused, reset, TLS), not an HTTP status.
        case finished(error: Failure?)
    }

    struct Failure: Sendable, Error, CustomStringConvertible {
        var description: String
        /// The server's certificate chain led to no trusted CA.
        var untrustedCertificate = false
    }

    struct Request: Sendable {
        var url: URL
        var method: HTTPMethod
        var headers: HTTPHeaders
        var body: Data?
    }

    /// One request in flight, across the redirects it followed.
    final class Stream: Sendable {
        fileprivate let onEvent: @Sendable (Event) -> Void
        fileprivate let request: Request
        fileprivate let started = ContinuousClock.now
        fileprivate let state = Mutex<(task: HTTPClient.Task<Void>?, redirects: Int, cancelled: Bool, ended: Bool)>((nil, 0, false, false))

        fileprivate init(_ request: Request, onEvent: @escaping @Sendable (Event) -> Void) {
            self.request = request
            self.onEvent = onEvent
        }

        fileprivate var isCancelled: Bool { state.withLock { $0.cancelled } }

        /// Drops the request (its connection with it); nothing more is delivered.
        func cancel() {
            let task = state.withLock { state -> HTTPClient.Task<Void>? in
                state.cancelled = true
                return state.ended ? nil : state.task
            }
            task?.cancel()
        }

        /// The caller has what it wanted (an SSE `[DONE]`) before the response's end: the rest is
        /// read, so the connection goes back to the pool for the next turn, unless it takes longer
        /// than `limit`, when the request is dropped as by `cancel`. Cancelling at once instead
        /// would close the connection whenever the body's last chunk came in a later read.
        func drain(within limit: Duration) {
            state.withLock { $0.cancelled = true }
            MultiThreadedEventLoopGroup.singleton.next().scheduleTask(in: .nanoseconds(max(1, limit.nanoseconds))) { [self] in
                let task = state.withLock { $0.ended ? nil : $0.task }
                task?.cancel()
            }
        }

        fileprivate func markEnded() { state.withLock { $0.ended = true } }
    }

    /// More than any sane server chain.
    static let maxRedirects = 10

    private let client: HTTPClient

    /// `connectLimit` bounds one connection attempt; the stage's own limits are usually shorter.
    init(_ settings: HTTPConnectionSettings, connectLimit: Duration) {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let roots = settings.trustRoots { tls.trustRoots = .certificates(roots) }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .nanoseconds(max(1, connectLimit.nanoseconds)), read: nil))
        // A refused connection or a failed handshake ends the request with its reason at once,
        // instead of being retried until the stage's idle limit says only "timed out".
        configuration.connectionPool.retryConnectionEstablishment = false
        if let proxy = settings.proxy {
            let authorization = proxy.user.map { HTTPClient.Authorization.basic(username: $0, password: proxy.password ?? "") }
            configuration.proxy = .server(host: proxy.host, port: proxy.port, authorization: authorization)
        }
        client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    /// Sends `request`; its progress reaches `onEvent` until it ends or is cancelled.
    func start(_ request: Request, onEvent: @escaping @Sendable (Event) -> Void) -> Stream {
        let stream = Stream(request, onEvent: onEvent)
        send(request.url, for: stream)
        return stream
    }

    /// Ends every request and closes the connections, without waiting; the session takes no more requests.
    func shutdown() {
        client.shutdown { _ in }
    }

    private func send(_ url: URL, for stream: Stream) {
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: url, method: stream.request.method, headers: stream.request.headers,
                                             body: stream.request.body.map { .bytes($0) })
        } catch {
            return stream.onEvent(.finished(error: Failure(description: "\(error)")))
        }
        guard !stream.isCancelled else { return }
        // Not under the stream's lock: a request that fails at once reports from inside `execute`,
        // and its delegate reads that lock.
        let task = client.execute(request: request, delegate: Delegate(session: self, stream: stream, url: url))
        let cancelled = stream.state.withLock { state -> Bool in
            state.task = task
            return state.cancelled
        }
        if cancelled { task.cancel() }
    }

    /// The same host, and never from https down to http: the key and headers go nowhere else.
    static func mayFollow(from: URL, to: URL) -> Bool {
        guard let a = from.host?.lowercased(), let b = to.host?.lowercased(), a == b,
              to.user == nil, to.password == nil else { return false }
        switch (from.scheme?.lowercased(), to.scheme?.lowercased()) {
        case ("https", "https"): return from.port == to.port
        case ("http", "http"): return from.port == to.port
        case ("http", "https"): return true
        default: return false
        }
    }

    /// What went wrong, in words a user can act on; TLS failures say what was wrong with the certificate.
    static func failure(_ error: any Error) -> Failure {
        switch error {
        case NIOSSLError.handshakeFailed(let reason):
            let text = "\(reason)"
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                return Failure(description: "TLS handshake failed: the server's certificate is not signed by a trusted CA (CERTIFICATE_VERIFY_FAILED)",
                               untrustedCertificate: true)
            }
            return Failure(description: "TLS handshake failed: \(text)")
        case let extra as NIOSSLExtraError where extra == .failedToValidateHostname:
            return Failure(description: "TLS: the server's certificate does not name the host in base_url (\(extra))")
        case let error as NIOConnectionError:
            // Every address tried failed; the first one's reason is the one to act on.
            if let first = error.connectionErrors.first {
                return Failure(description: "cannot connect to \(error.host):\(error.port): \(failure(first.error).description)")
            }
            return Failure(description: "cannot look up \(error.host): no address")
        case let error as IOError:
            // NIO's own wording ("connection reset (error set)") hides what the system said.
            return Failure(description: String(cString: strerror(error.errnoCode)))
        case let error as HTTPClientError:
            return Failure(description: "\(error)")
        default:
            return Failure(description: String(describing: error))
        }
    }

    /// One request's (one leg's, across redirects) callbacks, on its event loop. Each only hands
    /// its news on; the state it keeps between them is whether this leg is a redirect being followed.
    private final class Delegate: HTTPClientResponseDelegate {
        typealias Response = Void
        let session: HTTPStreamSession
        let stream: Stream
        let url: URL
        let following = Mutex<URL?>(nil)

        init(session: HTTPStreamSession, stream: Stream, url: URL) {
            self.session = session
            self.stream = stream
            self.url = url
        }

        private func deliver(_ event: Event) {
            if !stream.isCancelled { stream.onEvent(event) }
        }

        func didSendRequestHead(task: HTTPClient.Task<Void>, _ head: HTTPRequestHead) {
            deliver(.headSent(setUp: ContinuousClock.now - stream.started))
        }

        func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
            let status = Int(head.status.code)
            let location = head.headers.first(name: "Location")
            if [307, 308].contains(status), let location, let to = URL(string: location, relativeTo: url)?.absoluteURL,
               HTTPStreamSession.mayFollow(from: url, to: to),
               stream.state.withLock({ state -> Bool in
                   state.redirects += 1
                   return state.redirects <= HTTPStreamSession.maxRedirects
               }) {
                // The redirect's body is read to its end and dropped, so its connection can be reused.
                following.withLock { $0 = to }
            } else {
                deliver(.response(status: status, location: location))
            }
            return task.eventLoop.makeSucceededVoidFuture()
        }

        func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
            if following.withLock({ $0 }) == nil { deliver(.data(Data(buffer.readableBytesView))) }
            return task.eventLoop.makeSucceededVoidFuture()
        }

        func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
            stream.markEnded()
            deliver(.finished(error: HTTPStreamSession.failure(error)))
        }

        func didFinishRequest(task: HTTPClient.Task<Void>) throws {
            if let to = following.withLock({ $0 }) {
                guard !stream.isCancelled else { return }
                session.send(to, for: stream)
            } else {
                stream.markEnded()
                deliver(.finished(error: nil))
            }
        }
    }
}
