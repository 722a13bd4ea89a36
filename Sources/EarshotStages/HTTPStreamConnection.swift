import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One streaming HTTP request whose body the caller reads in pieces, waiting with a deadline, on
/// its own thread: URLSession delivers on its delegate queue, the stage reads inside `receive`.
///
/// `@unchecked Sendable` because URLSession requires a Sendable delegate and calls it on another
/// queue; every stored field the delegate writes is touched only while `condition` is held, and
/// `session` is set once in `init` before the task starts.
final class HTTPStreamConnection: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// What has come in since the last `take`.
    struct Progress {
        var status: Int?
        var data = Data()
        var finished = false
        /// Transport failure (refused, reset, TLS), not an HTTP status.
        var error: String?
    }

    private let condition = NSCondition()
    private var status: Int?
    private var pending = Data()
    private var finished = false
    private var error: String?
    private var session: URLSession?

    init(_ request: URLRequest) {
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

    /// Blocks until something new has arrived or `deadline` passes; returns what came in, or nil on timeout.
    func take(before deadline: ContinuousClock.Instant) -> Progress? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty && !finished && (status == nil || reportedStatus) {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return nil }
            _ = condition.wait(until: Date(timeIntervalSinceNow: Double(left.nanoseconds) / 1e9))
        }
        reportedStatus = status != nil
        let progress = Progress(status: status, data: pending, finished: finished, error: error)
        pending = Data()
        return progress
    }

    private var reportedStatus = false

    /// Drops the request; nothing more is delivered.
    func cancel() {
        session?.invalidateAndCancel()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        condition.lock()
        status = (response as? HTTPURLResponse)?.statusCode ?? 0
        condition.signal()
        condition.unlock()
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        condition.lock()
        pending.append(data)
        condition.signal()
        condition.unlock()
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        condition.lock()
        finished = true
        if let error { self.error = error.localizedDescription }
        condition.signal()
        condition.unlock()
        // Breaks the session's hold on its delegate once the task is over.
        session.finishTasksAndInvalidate()
    }
}
