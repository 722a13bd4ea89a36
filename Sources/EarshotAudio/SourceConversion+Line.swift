import EarshotCore

extension SourceConversion {
    /// The user's audio as a line at `rate` carries it: one channel, resampled aligned (`Resampler.resample`).
    public static func line(at rate: Int) -> SourceConversion {
        SourceConversion(sampleRate: rate) { audio in
            try Resampler.resample(audio.mono, to: rate)
        }
    }
}
