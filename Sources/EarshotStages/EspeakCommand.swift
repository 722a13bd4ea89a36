import EarshotAudio
import EarshotCore
import Foundation

/// espeak-ng's command-line program: one fresh process per text, for voices that must not depend
/// on what the process said before.
///
/// The library carries state from one utterance to the next (`EspeakSynthesizer` explains), and
/// neither `espeak_Terminate` nor a new `espeak_Initialize` resets it: the same text spoken after
/// another comes out up to ~50 ms longer or shorter. A fresh process starts from the same state
/// every time, so its waveform is a function of the text, voice and rate alone. A modelled voice
/// needs that: otherwise a design's figures would move with whichever designs ran before it.
enum EspeakCommand {
    static let program = "espeak-ng"

    /// The whole utterance at `sampleRate`, as `EspeakSynthesizer.synthesize` would give it from a
    /// freshly started engine.
    static func synthesize(_ text: String, sampleRate: Int) throws -> AudioChunk {
        guard let executable = ProcessChild.resolve(program) else { throw EspeakError.commandNotFound(program) }
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("earshot-espeak-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let wav = folder.appendingPathComponent("utterance.wav")

        let process = Process()
        process.executableURL = executable
        // Text on stdin, so a reply that starts with "-" is never read as an option; -z leaves out
        // the pause the program adds after the last sentence, which the library does not make.
        process.arguments = ["-v", EspeakSynthesizer.voice, "-s", String(EspeakSynthesizer.wordsPerMinute), "-z",
                             "-w", wav.path, "--stdin"]
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw EspeakError.commandFailed(
                status: Int(process.terminationStatus),
                message: String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let native = try AudioFile.read(wav)
        guard sampleRate != native.sampleRate else { return native }
        return try Resampler.resample(native, to: sampleRate)
    }
}
