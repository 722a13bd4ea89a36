import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One streaming HTTP request whose progress is handed on as it happens: URLSession's delegate
/// calls `onEvent` from its own serial queue — the response's status, each piece of the body, the
/// end — and nothing ever waits for it. A stage passes `onEvent` into a `StageInbox`.
///
/// `@unchecked Sendable` because URLSession requires a Sendable delegate; the only stored state is
/// set once in `init` before the task starts.
final class HTTPStreamConnection: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    enum Event: Sendable {
        case response(status: Int)
        case data(Data)
        /// The request is over; `error` is a transport failure (refused, reset, TLS), not an HTTP status.
        case finished(error: String?)
    }

    private let onEvent: @Sendable (Event) -> Void
    private var session: URLSession?

    init(_ request: URLRequest, onEvent: @escaping @Sendable (Event) -> Void) {
        self.onEvent = onEvent
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        // The stage enforces its own stall deadline; URLSession's own would only race it.
        configuration.timeoutIntervalForRequest = 3_600
        configuration.timeoutIntervalForResource = 3_600
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
        self.session = session
        session.dataTask(with: request).resume()
    }

    /// Drops the request; nothing more is delivered that the stage will read.
    func cancel() {
        session?.invalidateAndCancel()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        onEvent(.response(status: (response as? HTTPURLResponse)?.statusCode ?? 0))
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        onEvent(.data(data))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        onEvent(.finished(error: error?.localizedDescription))
        // Breaks the session's hold on its delegate once the task is over.
        session.finishTasksAndInvalidate()
    }
}
