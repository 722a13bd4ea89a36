internal import CWebRtcVad
import EarshotAudio
import EarshotCore

/// The WebRTC voice activity detector (libwebrtc-audio-processing's GMM VAD) on a stream of
/// audio chunks of any size, rate and channel count.
///
/// The engine takes 10, 20 or 30 ms windows at 8, 16, 32 or 48 kHz: chunks are downmixed,
/// resampled to 16 kHz when their rate is not one of those, and cut into windows with the
/// remainder kept for the next chunk. A chunk is voiced when a window that ends inside it is; a
/// chunk in which no window ends (a 10 ms chunk with 30 ms windows) keeps the previous verdict.
///
/// Not thread-safe: one instance belongs to one stream.
public final class WebRtcVad {
    public static let supportedRates = [8_000, 16_000, 32_000, 48_000]
    public static let supportedWindows = [10, 20, 30]

    /// 0 (quality: calls the most audio speech) ... 3 (very aggressive: the least).
    public let mode: Int
    public let windowMilliseconds: Int
    private let instance: OpaquePointer
    private var rate = 0
    private var resampler: Resampler?
    private var pending: [Int16] = []
    private var lastVerdict = false

    public init(mode: Int = 3, windowMilliseconds: Int = 20) throws(WebRtcVadError) {
        guard (0...3).contains(mode) else { throw .invalidMode(mode) }
        guard Self.supportedWindows.contains(windowMilliseconds) else { throw .invalidWindow(windowMilliseconds) }
        guard let instance = WebRtcVad_Create() else { throw .engineFailed("WebRtcVad_Create returned nothing") }
        guard WebRtcVad_Init(instance) == 0, WebRtcVad_set_mode(instance, Int32(mode)) == 0 else {
            WebRtcVad_Free(instance)
            throw .engineFailed("WebRtcVad_Init/set_mode refused mode \(mode)")
        }
        self.instance = instance
        self.mode = mode
        self.windowMilliseconds = windowMilliseconds
    }

    deinit { WebRtcVad_Free(instance) }

    /// The verdict on `chunk`, given everything before it.
    public func isVoiced(_ chunk: AudioChunk) throws -> Bool {
        var mono = chunk.mono
        if mono.sampleRate != rate { try restart(at: mono.sampleRate) }
        if let resampler { mono = try resampler.process(mono) }
        let workRate = resampler?.outputRate ?? rate
        pending += mono.pcm16

        let window = workRate / 1000 * windowMilliseconds
        var offset = 0
        var verdict: Bool?
        try pending.withUnsafeBufferPointer { buffer in
            while buffer.count - offset >= window {
                let result = WebRtcVad_Process(instance, Int32(workRate), buffer.baseAddress! + offset, window)
                guard result >= 0 else { throw WebRtcVadError.engineFailed("WebRtcVad_Process failed on a \(windowMilliseconds) ms window at \(workRate) Hz") }
                verdict = (verdict ?? false) || result == 1
                offset += window
            }
        }
        pending.removeFirst(offset)
        if let verdict { lastVerdict = verdict }
        return lastVerdict
    }

    private func restart(at newRate: Int) throws {
        rate = newRate
        pending.removeAll()
        resampler = Self.supportedRates.contains(newRate) ? nil : try Resampler(from: newRate, to: 16_000)
        guard WebRtcVad_Init(instance) == 0, WebRtcVad_set_mode(instance, Int32(mode)) == 0 else {
            throw WebRtcVadError.engineFailed("WebRtcVad_Init failed on a change to \(newRate) Hz")
        }
    }
}
