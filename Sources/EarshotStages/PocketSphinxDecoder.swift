internal import CPocketSphinx
import Foundation
import Synchronization

/// One CMU PocketSphinx decoder: a loaded acoustic model, dictionary and search, fed 16 kHz
/// 16-bit mono audio one utterance at a time.
///
/// Loading takes a few hundred milliseconds (the full language model most of it), far too long
/// to do per session or per test, so decoders are kept in a process-wide pool (`checkOut`,
/// `checkIn`) and reused: one decoder per session at a time, never shared by two. A decoder
/// adapts its cepstral mean to the channel it hears, utterance after utterance; checked in, it
/// gets back the mean it was loaded with, so a session hears as it would on a fresh decoder and
/// never as the session before it left it (a telephone recording's mean made the next session's
/// first turn on wideband audio come out as other words).
/// `@unchecked Sendable` because it moves between owners only through the pool's lock and
/// is used by one stage at a time, on that stage's queue.
public final class PocketSphinxDecoder: @unchecked Sendable {
    public enum Search: Hashable, Sendable {
        /// The package's general US-English trigram language model (`en-us.lm.bin`).
        case languageModel
        /// A JSGF grammar (text), constraining what it can hear.
        case grammar(String)
    }

    public let search: Search
    public let modelDirectory: String
    private let decoder: OpaquePointer
    /// The cepstral mean as loaded, with the running sum and frame count behind it.
    private var initialMean: [Float] = []
    private var initialSum: [Float] = []
    private var initialFrames: Int32 = 0
    public private(set) var inUtterance = false

    public init(search: Search, modelDirectory: String) throws(PocketSphinxError) {
        self.search = search
        self.modelDirectory = modelDirectory
        try Self.checkModel(search: search, modelDirectory: modelDirectory)
        let dir = URL(fileURLWithPath: modelDirectory)
        let hmm = dir.appendingPathComponent("en-us").path
        let dict = dir.appendingPathComponent("cmudict-en-us.dict").path
        let lm = dir.appendingPathComponent("en-us.lm.bin").path
        Self.silenceLogging
        var args = ["-hmm", hmm, "-dict", dict]
        if search == .languageModel { args += ["-lm", lm] }
        let argv = args.map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var mutableArgv = argv
        guard let config = cmd_ln_parse_r(nil, ps_args(), Int32(args.count), &mutableArgv, 1) else {
            throw .initFailed("the configuration was refused")
        }
        defer { cmd_ln_free_r(config) }
        guard let decoder = ps_init(config) else { throw .initFailed("ps_init failed on the model in \(modelDirectory)") }
        self.decoder = decoder
        if case .grammar(let jsgf) = search {
            guard ps_set_jsgf_string(decoder, "grammar", jsgf) == 0, ps_set_search(decoder, "grammar") == 0 else {
                ps_free(decoder)
                throw .grammarRefused
            }
        }
        let size = Int(earshot_ps_cmn_size(decoder))
        guard size > 0 else { return }
        initialMean = [Float](repeating: 0, count: size)
        initialSum = initialMean
        initialFrames = initialMean.withUnsafeMutableBufferPointer { mean in
            initialSum.withUnsafeMutableBufferPointer { earshot_ps_cmn_save(decoder, mean.baseAddress, $0.baseAddress) }
        }
    }

    /// What the decoder has learnt of the channel so far: its cepstral mean.
    var cepstralMean: [Float] {
        var mean = [Float](repeating: 0, count: initialMean.count), sum = mean
        guard !mean.isEmpty else { return [] }
        _ = mean.withUnsafeMutableBufferPointer { m in sum.withUnsafeMutableBufferPointer { earshot_ps_cmn_save(decoder, m.baseAddress, $0.baseAddress) } }
        return mean
    }

    /// Forgets what the decoder learnt of the channel: a new stream (the front end's noise
    /// estimate starts again), and its cepstral mean, with the running sum behind it, back to what
    /// they were when it was loaded.
    func resetChannel() {
        ps_start_stream(decoder)   // the front end's noise estimate: kept per stream, reset here
        guard !initialMean.isEmpty else { return }
        initialMean.withUnsafeBufferPointer { mean in
            initialSum.withUnsafeBufferPointer { earshot_ps_cmn_restore(decoder, mean.baseAddress, $0.baseAddress, initialFrames) }
        }
    }

    deinit { ps_free(decoder) }

    /// Throws `modelMissing` for the first file `search` needs that `modelDirectory` lacks.
    public static func checkModel(search: Search, modelDirectory: String) throws(PocketSphinxError) {
        let dir = URL(fileURLWithPath: modelDirectory)
        let files = ["en-us", "cmudict-en-us.dict"] + (search == .languageModel ? ["en-us.lm.bin"] : [])
        for path in files.map({ dir.appendingPathComponent($0).path }) where !FileManager.default.fileExists(atPath: path) {
            throw .modelMissing(path)
        }
    }

    public func startUtterance() throws(PocketSphinxError) {
        if inUtterance { _ = try endUtterance() }
        guard ps_start_utt(decoder) == 0 else { throw .decodeFailed("ps_start_utt") }
        inUtterance = true
    }

    public func process(_ samples: [Int16]) throws(PocketSphinxError) {
        guard inUtterance, !samples.isEmpty else { return }
        let result = samples.withUnsafeBufferPointer { ps_process_raw(decoder, $0.baseAddress, $0.count, 0, 0) }
        guard result >= 0 else { throw .decodeFailed("ps_process_raw") }
    }

    /// The best hypothesis so far (a partial inside an utterance, the final after one).
    public var hypothesis: String {
        ps_get_hyp(decoder, nil).map { String(cString: $0) } ?? ""
    }

    /// Ends the utterance and returns the final hypothesis.
    public func endUtterance() throws(PocketSphinxError) -> String {
        guard inUtterance else { return "" }
        inUtterance = false
        guard ps_end_utt(decoder) >= 0 else { throw .decodeFailed("ps_end_utt") }
        return hypothesis
    }

    // MARK: - The pool

    private static let idle = Mutex<[String: [PocketSphinxDecoder]]>([:])

    /// An idle decoder for this search and model, loading a new one only when none is free.
    public static func checkOut(search: Search, modelDirectory: String) throws(PocketSphinxError) -> PocketSphinxDecoder {
        let key = poolKey(search, modelDirectory)
        if let decoder = idle.withLock({ $0[key]?.popLast() }) { return decoder }
        // One load at a time: sphinxbase keeps process-wide state (its logging, its argument
        // tables) that loads on two threads would share; loads happen before a run starts.
        return try loading.withLock { _ throws(PocketSphinxError) in
            try PocketSphinxDecoder(search: search, modelDirectory: modelDirectory)
        }
    }

    private static let loading = Mutex(())

    /// Returns a decoder to the pool, its utterance (if any) ended, for the next session.
    public static func checkIn(_ decoder: PocketSphinxDecoder) {
        if decoder.inUtterance { _ = try? decoder.endUtterance() }
        decoder.resetChannel()
        let key = poolKey(decoder.search, decoder.modelDirectory)
        idle.withLock { $0[key, default: []].append(decoder) }
    }

    private static func poolKey(_ search: Search, _ dir: String) -> String {
        switch search {
        case .languageModel: "lm|\(dir)"
        case .grammar(let jsgf): "jsgf|\(dir)|\(jsgf)"
        }
    }

    /// PocketSphinx logs its whole configuration and every utterance to stderr; a run's output
    /// is the report, so its log goes nowhere.
    private static let silenceLogging: Void = err_set_logfp(nil)
}
