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
        let textFile = folder.appendingPathComponent("text.txt"), wav = folder.appendingPathComponent("utterance.wav")
        let errors = folder.appendingPathComponent("stderr.txt")
        // The text goes in a file, so a reply that starts with "-" is never read as an option; -z
        // leaves out the pause the program adds after the last sentence, which the library does not make.
        try Data(text.utf8).write(to: textFile)
        let termination = try run(executable.path, [
            program, "-v", EspeakSynthesizer.voice, "-s", String(EspeakSynthesizer.wordsPerMinute), "-z",
            "-w", wav.path, "-f", textFile.path,
        ], stderr: errors.path)
        guard termination == .exited(0) else {
            let said = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw EspeakError.commandFailed("\(termination)", message: said.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let native = try AudioFile.read(wav)
        guard sampleRate != native.sampleRate else { return native }
        return try Resampler.resample(native, to: sampleRate)
    }

    /// Runs a program to completion with stdin and stdout on /dev/null and stderr into a file.
    private static func run(_ path: String, _ arguments: [String], stderr: String) throws -> Spawn.Termination {
        let null = try Spawn.open("/dev/null", O_RDWR)
        defer { close(null) }
        let errors = try Spawn.open(stderr, O_WRONLY | O_CREAT | O_TRUNC)
        defer { close(errors) }
        let pid = try Spawn.start(path, arguments, stdin: null, stdout: null, stderr: errors)
        // Only a process that ignores SIGCHLD (its children reaped unasked) leaves no status to read.
        guard let ended = Spawn.reap(pid, block: true) else { throw EspeakError.commandFailed("no exit status", message: "") }
        return ended
    }
}
