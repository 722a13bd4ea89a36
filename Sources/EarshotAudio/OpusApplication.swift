internal import COpus

/// The encoder's tuning target (`OPUS_APPLICATION_*`).
public enum OpusApplication: String, Sendable, CaseIterable, Codable {
    /// Speech intelligibility first; the right choice for a voice agent.
    case voip
    /// Fidelity to the input first (music, mixed content).
    case audio
    /// Lowest delay: CELT only, 2.5 ms look-ahead instead of 6.5 ms, no speech-specific coding.
    case restrictedLowDelay = "restricted-lowdelay"

    var opusValue: Int32 {
        switch self {
        case .voip: OPUS_APPLICATION_VOIP
        case .audio: OPUS_APPLICATION_AUDIO
        case .restrictedLowDelay: OPUS_APPLICATION_RESTRICTED_LOWDELAY
        }
    }
}
