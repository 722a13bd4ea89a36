import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Lines read from a pipe, each at most `limit` bytes, in bounded memory and in time linear in
/// what was read: the newline search starts where the last one stopped, and consumed bytes are
/// dropped from the front once they are half the buffer.
///
/// A line longer than `limit` comes out as `tooLong` with its first `limit` bytes; the rest of it,
/// through its newline, is read and dropped as it arrives, so a child writing one endless line
/// never holds more than `limit` and a read's worth of it here.
struct LineBuffer {
    enum Piece: Equatable {
        case line(ArraySlice<UInt8>)
        case tooLong(head: ArraySlice<UInt8>)
    }

    let limit: Int
    /// Read bytes are `storage[..<end]`; the rest is room for the next read, kept so that a read
    /// costs no allocation or zero-filling (a child can deliver its output 4 KiB at a time).
    private var storage: [UInt8] = []
    private var end = 0
    /// The first byte not yet handed out, and the first not yet searched for a newline.
    private var start = 0
    private var scanned = 0
    /// Dropping the rest of a line already reported as too long, through its newline.
    private var discarding = false

    init(limit: Int) {
        self.limit = limit
    }

    /// Reads what `fd` has (up to `chunk` bytes) onto the end; `read`'s result, errno as it left it.
    mutating func read(from fd: Int32, chunk: Int = 65_536) -> Int {
        makeRoom(chunk)
        let end = self.end
        let n = storage.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + end, chunk) }
        if n > 0 { self.end += n }
        return n
    }

    /// Appends bytes as if read (for tests and for data already in hand).
    mutating func append(_ data: [UInt8]) {
        makeRoom(data.count)
        storage.replaceSubrange(end..<(end + data.count), with: data)
        end += data.count
    }

    /// Moves what is not handed out yet to the front once the handed-out part is half the
    /// buffer (so each byte moves a bounded number of times), then grows the room to `count`.
    private mutating func makeRoom(_ count: Int) {
        if start > 0 && start * 2 >= end {
            let (from, length) = (start, end - start)
            storage.withUnsafeMutableBytes { raw in
                if length > 0 { memmove(raw.baseAddress!, raw.baseAddress! + from, length) }
            }
            end = length
            scanned -= start
            start = 0
        }
        if storage.count - end < count {
            storage.append(contentsOf: repeatElement(0, count: max(count, storage.count) - (storage.count - end)))
        }
    }

    /// The next whole line (without its newline) or over-long line; nil until more is read.
    mutating func next() -> Piece? {
        while true {
            let newline = firstNewline()
            if discarding {
                guard let newline else {
                    start = end
                    scanned = start
                    return nil
                }
                start = newline + 1
                scanned = start
                discarding = false
                continue
            }
            if let newline, newline - start <= limit {
                let line = storage[start..<newline]
                start = newline + 1
                scanned = start
                return .line(line)
            }
            guard newline != nil || end - start > limit else {
                scanned = end
                return nil
            }
            let head = storage[start..<(start + limit)]
            if let newline {
                start = newline + 1
            } else {
                start = end
                discarding = true
            }
            scanned = start
            return .tooLong(head: head)
        }
    }

    private func firstNewline() -> Int? {
        guard scanned < end else { return nil }
        return storage.withUnsafeBytes { raw in
            memchr(raw.baseAddress! + scanned, 10, end - scanned).map { raw.baseAddress!.distance(to: UnsafeRawPointer($0)) }
        }
    }
}
