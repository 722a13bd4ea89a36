internal import CSndFile
import Foundation

/// Bytes that libsndfile reads and writes through its virtual I/O hooks, so tests and callers can
/// decode or encode audio without touching the file system.
final class MemoryFile {
    var bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8] = []) { self.bytes = bytes }

    /// Runs `body` with a virtual-I/O table and the user-data pointer that refers to `self`.
    func withVirtualIO<R, E: Error>(_ body: (inout SF_VIRTUAL_IO, UnsafeMutableRawPointer) throws(E) -> R) throws(E) -> R {
        var io = SF_VIRTUAL_IO(
            get_filelen: { user in MemoryFile.from(user).length },
            seek: { offset, whence, user in MemoryFile.from(user).seek(offset, whence) },
            read: { pointer, count, user in MemoryFile.from(user).read(into: pointer, count: count) },
            write: { pointer, count, user in MemoryFile.from(user).write(pointer, count: count) },
            tell: { user in sf_count_t(MemoryFile.from(user).position) })
        // libsndfile holds the pointer without retaining it: keep self alive until body returns.
        defer { withExtendedLifetime(self) {} }
        return try body(&io, Unmanaged.passUnretained(self).toOpaque())
    }

    private static func from(_ user: UnsafeMutableRawPointer?) -> MemoryFile {
        Unmanaged<MemoryFile>.fromOpaque(user!).takeUnretainedValue()
    }

    private var length: sf_count_t { sf_count_t(bytes.count) }

    private func seek(_ offset: sf_count_t, _ whence: Int32) -> sf_count_t {
        let base: Int
        switch whence {
        case SEEK_SET: base = 0
        case SEEK_CUR: base = position
        case SEEK_END: base = bytes.count
        default: return -1
        }
        let (target, overflow) = base.addingReportingOverflow(Int(offset))
        guard !overflow, target >= 0 else { return -1 }
        position = target
        return sf_count_t(position)
    }

    private func read(into pointer: UnsafeMutableRawPointer?, count: sf_count_t) -> sf_count_t {
        guard let pointer, count > 0, position < bytes.count else { return 0 }
        let n = min(Int(count), bytes.count - position)
        bytes.withUnsafeBytes { source in
            pointer.copyMemory(from: source.baseAddress! + position, byteCount: n)
        }
        position += n
        return sf_count_t(n)
    }

    private func write(_ pointer: UnsafeRawPointer?, count: sf_count_t) -> sf_count_t {
        guard let pointer, count > 0 else { return 0 }
        let n = Int(count)
        // Seeking past the end and writing leaves a gap, as a real file would: fill it with zeros.
        if position + n > bytes.count { bytes.append(contentsOf: repeatElement(0, count: position + n - bytes.count)) }
        bytes.withUnsafeMutableBytes { target in
            (target.baseAddress! + position).copyMemory(from: pointer, byteCount: n)
        }
        position += n
        return count
    }
}
