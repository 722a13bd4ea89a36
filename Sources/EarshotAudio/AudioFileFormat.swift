/// What `AudioFile.write` produces. Sixteen-bit formats round each sample to the nearest step of
/// 1/32768 and clamp, so a file read and written again comes back bit for bit.
public enum AudioFileFormat: Sendable, Equatable, CaseIterable {
    /// WAV, 16-bit PCM.
    case wav16
    /// WAV, 32-bit IEEE float: no quantisation, no clamping.
    case wavFloat
    /// FLAC, 16-bit: lossless, about half the size of `wav16`.
    case flac16

    /// The format a path's extension implies: `.wav` → `wav16`, `.flac` → `flac16`; nil otherwise.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "wav", "wave": self = .wav16
        case "flac": self = .flac16
        default: return nil
        }
    }
}
