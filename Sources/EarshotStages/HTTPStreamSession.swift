import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One stage's HTTP client: a single URLSession whose connections stay open between requests, so
/// a turn after the first pays no TCP or TLS handshake. Each request's progress is handed on as it
/// happens: URLSession's delegate calls the request's `onEvent` from its own serial queue — the
/// response's status, each piece of the body, the end — and nothing ever waits for it. A stage
/// passes `onEvent` into a `StageInbox`.
///
/// Redirects: URLSession turns a redirected POST into a GET (301–303) or, on Linux, re-sends it
/// without its body (307, 308). So the session follows none itself: a 307 or 308 to the same host
/// (or from http to https on it) is sent again from here with its method, headers and body;
/// any other redirect ends the request with its status and `Location`, for the stage to report.
///
/// `@unchecked Sendable` because URLSession requires a Sendable delegate; the routes from task to
/// request are behind a mutex, and the rest is set once in `init`.
final class HTTPStreamSession: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    enum Event: Sendable {
        /// `location` is the `Location` of a redirect the session did not follow.
        case response(status: Int, location: String?)
        case data(Data)
        /// The request is over; `error` is a transport failure (refused, reset, TLS), not an HTTP status.
        case finished(error: String?)
    }

    /// One request in flight, across the redirects it followed.
    final class Stream: Sendable {
        fileprivate let onEvent: @Sendable (Event) -> Void
        fileprivate let request: URLRequest
        fileprivate let task = Mutex<(current: URLSessionTask?, redirects: Int, cancelled: Bool)>((nil, 0, false))

        fileprivate init(_ request: URLRequest, onEvent: @escaping @Sendable (Event) -> Void) {
            self.request = request
            self.onEvent = onEvent
        }

        /// Drops the request (its connection with it); nothing more is delivered.
        func cancel() {
            let current = task.withLock { state -> URLSessionTask? in
                state.cancelled = true
                return state.current
            }
            current?.cancel()
        }
    }

    /// More than any sane server chain; URLSession's own limit is 20.
    static let maxRedirects = 10

    private var session: URLSession!
    private let routes = Mutex<[Int: Stream]>([:])

    override init() {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        // The stage enforces its own idle and total limits; URLSession's own would only race them.
        configuration.timeoutIntervalForRequest = 3_600
        configuration.timeoutIntervalForResource = 3_600
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
    }

    /// Sends `request`; its progress reaches `onEvent` until it ends or is cancelled.
    func start(_ request: URLRequest, onEvent: @escaping @Sendable (Event) -> Void) -> Stream {
        let stream = Stream(request, onEvent: onEvent)
        send(request, for: stream)
        return stream
    }

    /// Ends every request and the session's connections; the session takes no more requests.
    func invalidate() {
        session.invalidateAndCancel()
    }

    private func send(_ request: URLRequest, for stream: Stream) {
        let task = session.dataTask(with: request)
        let go = stream.task.withLock { state -> Bool in
            guard !state.cancelled else { return false }
            state.current = task
            return true
        }
        guard go else { return }
        routes.withLock { $0[task.taskIdentifier] = stream }
        task.resume()
    }

    private func stream(for task: URLSessionTask) -> Stream? {
        routes.withLock { $0[task.taskIdentifier] }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        guard let stream = stream(for: task) else { return completionHandler(nil) }
        let redirects = stream.task.withLock { state -> Int in
            state.redirects += 1
            return state.redirects
        }
        guard [307, 308].contains(response.statusCode), redirects <= Self.maxRedirects,
              let from = task.currentRequest?.url, let to = newRequest.url, Self.mayFollow(from: from, to: to) else {
            // Declined: the redirect itself becomes the response, and the stage reports it.
            return completionHandler(nil)
        }
        // Declined too, but the redirect's own ending now reaches no one, and its connection stays open for the next.
        routes.withLock { _ = $0.removeValue(forKey: task.taskIdentifier) }
        completionHandler(nil)
        var again = stream.request
        again.url = to
        send(again, for: stream)
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

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let stream = stream(for: dataTask) {
            let http = response as? HTTPURLResponse
            stream.onEvent(.response(status: http?.statusCode ?? 0, location: http?.value(forHTTPHeaderField: "Location")))
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        stream(for: dataTask)?.onEvent(.data(data))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let stream = routes.withLock { $0.removeValue(forKey: task.taskIdentifier) }
        stream?.onEvent(.finished(error: error?.localizedDescription))
    }
}
