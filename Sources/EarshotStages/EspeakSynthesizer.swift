internal import CEspeakNG
import EarshotAudio
import EarshotCore
import Foundation

/// Real speech from espeak-ng, for every stage that needs an agent's voice.
///
/// espeak-ng keeps its state in one process-wide instance and crashes when two threads
/// synthesise at once, so every call in the process goes through `shared` and its one lock:
/// sessions running in parallel queue up here rather than in the engine. The voice ("en-us")
/// and rate (espeak's default 175 words per minute) are fixed, so a text always gets the same
/// words, voice and level. Not the same samples, though: the engine carries state from one
/// utterance to the next (its pitch-flutter phase, a function-level static; how the previous
/// clause ended), so the same text can come out a few samples to ~50 ms longer or shorter
/// depending on what was spoken before it in the process. Within one process the same sequence
/// of calls gives the same samples; a voice that must be one fixed waveform per text, whatever
/// ran before, comes from `EspeakCommand` (a fresh process per text) instead.
public final class EspeakSynthesizer: Sendable {
    public static let shared = EspeakSynthesizer()

    /// espeak-ng's output rate as `espeak_Initialize` reported it (22 050 Hz for 1.51).
    public var nativeSampleRate: Int { Self.engine.sampleRate }

    public static let voice = "en-us"
    public static let wordsPerMinute = 175

    private let lock = NSLock()

    private init() {}

    /// The whole utterance at `sampleRate`, aligned to espeak's timeline (no resampler delay).
    public func synthesize(_ text: String, sampleRate: Int = 16_000) throws -> AudioChunk {
        var samples: [Float] = []
        try stream(text) { samples += $0.samples }
        let native = AudioChunk(samples: samples, sampleRate: nativeSampleRate)
        guard sampleRate != native.sampleRate else { return native }
        return try Resampler.resample(native, to: sampleRate)
    }

    /// Synthesises `text`, handing over each buffer as espeak's callback delivers it (about 60 ms
    /// of audio each, at `nativeSampleRate`). `chunk` runs on the calling thread, inside the
    /// engine's lock: keep it short, and do not synthesise from inside it.
    public func stream(_ text: String, chunk: (AudioChunk) -> Void) throws {
        lock.lock()
        defer { lock.unlock() }
        let engine = try Self.engine.ready()
        try withoutActuallyEscaping(chunk) { chunk in
            Self.sink = { buffer in
                chunk(AudioChunk(samples: buffer.map { Float($0) / 32_768 }, sampleRate: engine))
            }
            defer { Self.sink = nil }
            let status = text.withCString { pointer in
                espeak_Synth(pointer, strlen(pointer) + 1, 0, POS_CHARACTER, 0,
                             UInt32(espeakCHARS_UTF8), nil, nil)
            }
            guard status == EE_OK else { throw EspeakError.synthesisFailed(text: text, code: Int(status.rawValue)) }
        }
    }

    // MARK: - The engine

    /// Where the C callback delivers audio. Only touched with `lock` held, and espeak calls the
    /// callback synchronously on the thread inside `espeak_Synth`, so one slot is enough.
    nonisolated(unsafe) private static var sink: ((UnsafeBufferPointer<Int16>) -> Void)?

    private struct Engine: Sendable {
        let result: Result<Int, EspeakError>
        var sampleRate: Int { (try? result.get()) ?? 22_050 }
        func ready() throws -> Int { try result.get() }
    }

    /// Initialised once, on first use; a failure is kept and reported on every call.
    private static let engine: Engine = {
        let rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nil, Int32(espeakINITIALIZE_DONT_EXIT))
        guard rate > 0 else { return Engine(result: .failure(.initializationFailed)) }
        espeak_SetSynthCallback { wav, count, _ in
            if let wav, count > 0 {
                EspeakSynthesizer.sink?(UnsafeBufferPointer(start: wav, count: Int(count)))
            }
            return 0
        }
        guard espeak_SetVoiceByName(voice) == EE_OK else { return Engine(result: .failure(.voiceNotFound(voice))) }
        espeak_SetParameter(espeakRATE, Int32(wordsPerMinute), 0)
        return Engine(result: .success(Int(rate)))
    }()
}
