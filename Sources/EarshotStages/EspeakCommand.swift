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
        let status = try spawnAndWait(executable.path, [
            program, "-v", EspeakSynthesizer.voice, "-s", String(EspeakSynthesizer.wordsPerMinute), "-z",
            "-w", wav.path, "-f", textFile.path,
        ], stderr: errors.path)
        guard status == 0 else {
            let said = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw EspeakError.commandFailed(status: Int(status), message: said.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let native = try AudioFile.read(wav)
        guard sampleRate != native.sampleRate else { return native }
        return try Resampler.resample(native, to: sampleRate)
    }

    /// Runs a program to completion with stdin and stdout on /dev/null and stderr into a file;
    /// returns its exit status (128 + the signal if one ended it).
    ///
    /// posix_spawn rather than Foundation's `Process`: on Linux `Process` closes every descriptor
    /// number up to the open-file limit in the child, one call each, which costs ~30 ms a spawn at a
    /// 20,000 limit and seconds in a container whose limit is 2^20 or more. glibc's closefrom action
    /// closes them in one go.
    private static func spawnAndWait(_ path: String, _ arguments: [String], stderr: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Without closefrom (a libc older than glibc 2.34) the child inherits whatever descriptors are
        // not close-on-exec, for the few milliseconds it lives; nothing it runs reads them.
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }

        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw EspeakError.commandFailed(status: -1, message: "cannot start \(path): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // The wait-status macros are not imported into Swift: the low 7 bits are the signal, 0 on exit.
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), looked up at run time: Swift's
    /// Glibc module does not declare it (it is a GNU extension).
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()
}
