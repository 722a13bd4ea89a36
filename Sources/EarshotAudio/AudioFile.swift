internal import CSndFile
import EarshotCore
import Foundation
import Synchronization

/// WAV and FLAC reading and writing through libsndfile.
///
/// Samples come back as Float in −1...1 whatever the file holds: 8/16-bit PCM as `n / 32768`,
/// 24/32-bit PCM as `n / 2^31`, so integer files convert exactly (every 16- and 24-bit value is
/// representable in a Float) and `write(read(x))` reproduces a 16-bit file bit for bit. Float
/// files pass through unchanged, even where they exceed full scale.
///
/// Bad input never traps: a missing, empty, truncated or non-audio file throws `AudioFileError`
/// naming the file and the reason.
public enum AudioFile {
    /// Reads a whole WAV or FLAC file (any rate, any channel count, interleaved).
    public static func read(_ url: URL) throws(AudioFileError) -> AudioChunk {
        let name = url.relativePath
        let path = url.path
        // Opening a FIFO blocks until a writer comes, and a device never ends: only a regular file
        // (or a link to one) is read at all.
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw AudioFileError(file: name, reason: errno == ENOENT ? .noSuchFile : .system("cannot open (\(String(cString: strerror(errno))))"))
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw AudioFileError(file: name, reason: .notAFile(Self.kind(of: status.st_mode))) }
        let handle: FileHandle
        let length: Int
        do {
            handle = try FileHandle(forReadingFrom: url)
            length = Int(try handle.seekToEnd())
        } catch {
            throw AudioFileError(file: name, reason: .system("cannot open (\(SystemErrorText.describe(error)))"))
        }
        defer { try? handle.close() }
        guard length > 0 else { throw AudioFileError(file: name, reason: .empty) }

        let truncation = RIFFCheck.truncation(length: length) { offset, count in
            guard (try? handle.seek(toOffset: UInt64(offset))) != nil else { return [] }
            return [UInt8]((try? handle.read(upToCount: count)) ?? Data())
        }
        if let truncation { throw AudioFileError(file: name, reason: .truncated(truncation)) }

        var info = SF_INFO()
        let file = try open(name) { sf_open(path, Int32(SFM_READ), &info) }
        defer { sf_close(file) }
        return try readSamples(file, info, name: name)
    }

    /// Reads WAV or FLAC bytes held in memory; `name` stands in for the file name in errors.
    public static func read(bytes: [UInt8], name: String = "<memory>") throws(AudioFileError) -> AudioChunk {
        guard !bytes.isEmpty else { throw AudioFileError(file: name, reason: .empty) }
        let truncation = RIFFCheck.truncation(length: bytes.count) { offset, count in
            offset >= bytes.count ? [] : Array(bytes[offset..<min(bytes.count, offset + count)])
        }
        if let truncation { throw AudioFileError(file: name, reason: .truncated(truncation)) }

        let memory = MemoryFile(bytes)
        return try memory.withVirtualIO { (io, user) throws(AudioFileError) -> AudioChunk in
            var info = SF_INFO()
            let file = try open(name) { sf_open_virtual(&io, Int32(SFM_READ), &info, user) }
            defer { sf_close(file) }
            return try readSamples(file, info, name: name)
        }
    }

    /// Writes `chunk` as `format`. The file appears whole or not at all (written aside, then
    /// renamed), so an interrupted run never leaves a truncated fixture behind.
    public static func write(_ chunk: AudioChunk, to url: URL, format: AudioFileFormat) throws(AudioFileError) {
        let name = url.relativePath
        let encoded = try bytes(of: chunk, format: format, name: name)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AudioFileError(file: name, reason: .system("cannot write: no such directory"))
        }
        do {
            try Data(encoded).write(to: url, options: .atomic)
        } catch {
            throw AudioFileError(file: name, reason: .system("cannot write (\(SystemErrorText.describe(error)))"))
        }
    }

    /// Writes `chunk` in the format the extension names (`.wav` → 16-bit WAV, `.flac` → 16-bit FLAC).
    public static func write(_ chunk: AudioChunk, to url: URL) throws(AudioFileError) {
        guard let format = AudioFileFormat(pathExtension: url.pathExtension) else {
            throw AudioFileError(file: url.relativePath, reason: .unsupportedExtension(url.pathExtension))
        }
        try write(chunk, to: url, format: format)
    }

    /// The bytes of `chunk` encoded as `format`, as `write` would put them in a file.
    public static func bytes(of chunk: AudioChunk, format: AudioFileFormat, name: String = "<memory>") throws(AudioFileError) -> [UInt8] {
        var info = SF_INFO()
        info.samplerate = Int32(clamping: chunk.sampleRate)
        info.channels = Int32(clamping: chunk.channels)
        info.format = Int32(format.libsndfileFormat)
        guard sf_format_check(&info) != 0 else {
            throw AudioFileError(file: name, reason: .writeFailed(
                library: "\(format) cannot hold \(chunk.sampleRate) Hz \(chunk.channels) ch audio"))
        }
        let memory = MemoryFile()
        try memory.withVirtualIO { (io, user) throws(AudioFileError) in
            let file = try open(name) { sf_open_virtual(&io, Int32(SFM_WRITE), &info, user) }
            let frames = sf_count_t(chunk.frameCount)
            var written: sf_count_t
            switch format {
            case .wav16, .flac16:
                let shorts = chunk.samples.map(int16)
                written = shorts.withUnsafeBufferPointer { sf_writef_short(file, $0.baseAddress, frames) }
            case .wavFloat:
                written = chunk.samples.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, frames) }
            }
            let message = String(cString: sf_strerror(file))
            let closed = sf_close(file)
            guard written == frames, closed == 0 else {
                throw AudioFileError(file: name, reason: .writeFailed(library: trimmed(message)))
            }
        }
        return memory.bytes
    }

    /// Float → Int16 the inverse of `n / 32768`: round to nearest, clamp to the Int16 range.
    @inline(__always)
    static func int16(_ x: Float) -> Int16 {
        guard !x.isNaN else { return 0 }  // NaN carries no level; write silence.
        let scaled = (x * 32768).rounded()
        return scaled >= 32767 ? .max : scaled <= -32768 ? .min : Int16(scaled)
    }

    // MARK: - libsndfile plumbing

    /// libsndfile reports open failures through one process-wide error slot; opening under a lock
    /// keeps concurrent opens (parallel tests, a parallel fixture loader) from reading each
    /// other's reasons.
    private static let openLock = Mutex(())

    private static func open(_ name: String, _ body: () -> OpaquePointer?) throws(AudioFileError) -> OpaquePointer {
        let result: Result<OpaquePointer, AudioFileError> = openLock.withLock { _ in
            if let file = body() { return .success(file) }
            let code = Int(sf_error(nil))
            let message = trimmed(String(cString: sf_strerror(nil)))
            switch code {
            case Int(SF_ERR_UNRECOGNISED_FORMAT): return .failure(AudioFileError(file: name, reason: .notAudio(library: message)))
            case Int(SF_ERR_SYSTEM): return .failure(AudioFileError(file: name, reason: .system(message)))
            default: return .failure(AudioFileError(file: name, reason: .malformed(library: message)))
            }
        }
        return try result.get()
    }

    private enum SampleKind { case short, int, float }

    private static func readSamples(_ file: OpaquePointer, _ info: SF_INFO, name: String) throws(AudioFileError) -> AudioChunk {
        let channels = Int(info.channels)
        let sampleRate = Int(info.samplerate)
        guard channels > 0, sampleRate > 0 else {
            throw AudioFileError(file: name, reason: .malformed(library: "\(sampleRate) Hz, \(channels) channels"))
        }
        let kind: SampleKind = switch Int(info.format) & Int(SF_FORMAT_SUBMASK) {
        case Int(SF_FORMAT_PCM_S8), Int(SF_FORMAT_PCM_U8), Int(SF_FORMAT_PCM_16): .short
        case Int(SF_FORMAT_PCM_24), Int(SF_FORMAT_PCM_32): .int
        default: .float
        }

        // libsndfile says SF_COUNT_MAX when a stream does not state its length.
        let declared = info.frames == sf_count_t.max ? nil : Int(info.frames)
        let blockFrames = 4096
        var samples: [Float] = []
        // A lying header must not make us allocate gigabytes up front; beyond this, append grows.
        samples.reserveCapacity(min(max(declared ?? 0, 0), (1 << 22) / channels) * channels)
        var shorts = [Int16](repeating: 0, count: kind == .short ? blockFrames * channels : 0)
        var ints = [Int32](repeating: 0, count: kind == .int ? blockFrames * channels : 0)
        var floats = [Float](repeating: 0, count: kind == .float ? blockFrames * channels : 0)
        var framesRead = 0
        while true {
            let n: Int
            switch kind {
            case .short:
                n = Int(sf_readf_short(file, &shorts, sf_count_t(blockFrames)))
                if n > 0 { samples.append(contentsOf: shorts[0..<n * channels].lazy.map { Float($0) / 32768 }) }
            case .int:
                n = Int(sf_readf_int(file, &ints, sf_count_t(blockFrames)))
                if n > 0 { samples.append(contentsOf: ints[0..<n * channels].lazy.map { Float($0) / 2_147_483_648 }) }
            case .float:
                n = Int(sf_readf_float(file, &floats, sf_count_t(blockFrames)))
                if n > 0 { samples.append(contentsOf: floats[0..<n * channels]) }
            }
            guard n > 0 else { break }
            framesRead += n
        }
        if sf_error(file) != 0 {
            let message = trimmed(String(cString: sf_strerror(file)))
            if let declared, framesRead < declared {
                throw AudioFileError(file: name, reason: .truncated(
                    "decoding stopped after \(framesRead) of \(declared) frames: \(message)"))
            }
            throw AudioFileError(file: name, reason: .malformed(library: message))
        }
        if let declared, framesRead < declared {
            throw AudioFileError(file: name, reason: .truncated("header declares \(declared) frames, file holds \(framesRead)"))
        }
        // A NaN or an infinity has no level: measured, it would silence or saturate the turn without a word.
        if kind == .float, let bad = samples.firstIndex(where: { !$0.isFinite }) {
            let frame = bad / channels
            throw AudioFileError(file: name, reason: .nonFinite(isNaN: samples[bad].isNaN, seconds: Double(frame) / Double(sampleRate)))
        }
        return AudioChunk(samples: samples, sampleRate: sampleRate, channels: channels)
    }

    private static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a folder"
        case S_IFIFO: "a FIFO"
        case S_IFCHR, S_IFBLK: "a device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }

    /// libsndfile's messages end with a full stop and some start with "Error : ", both of which
    /// read oddly inside our parentheses.
    private static func trimmed(_ message: String) -> String {
        var text = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("Error : ") { text.removeFirst("Error : ".count) }
        while text.hasSuffix(".") { text.removeLast() }
        return text
    }

}

extension AudioFileFormat {
    fileprivate var libsndfileFormat: Int {
        switch self {
        case .wav16: Int(SF_FORMAT_WAV) | Int(SF_FORMAT_PCM_16)
        case .wavFloat: Int(SF_FORMAT_WAV) | Int(SF_FORMAT_FLOAT)
        case .flac16: Int(SF_FORMAT_FLAC) | Int(SF_FORMAT_PCM_16)
        }
    }
}
