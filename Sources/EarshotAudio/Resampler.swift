internal import CSpeexDSP
import EarshotCore

/// Sample-rate conversion with libspeexdsp's windowed-sinc resampler.
///
/// Streaming use keeps filter state between chunks, as a stage converting a live stream does:
/// the output lags the input by `latency` (the filter's group delay), and `flush()` pushes out
/// what the filter still holds at the end. `Resampler.resample(_:to:)` converts a whole signal
/// and removes that delay, so its output lines up sample for sample with the input's timeline
/// (ground-truth times in a fixture stay valid after conversion).
///
/// Not thread-safe: one instance belongs to one stream.
public final class Resampler {
    public let inputRate: Int
    public let outputRate: Int
    public let channels: Int
    /// 0 (fastest) ... 10 (best). 5 is speexdsp's VoIP setting; 40 dB SNR and more on speech.
    public let quality: Int
    /// Nil when the rates are equal: then audio passes through untouched and without delay.
    private let state: OpaquePointer?

    public static let defaultQuality = 5

    public init(from inputRate: Int, to outputRate: Int, channels: Int = 1, quality: Int = Resampler.defaultQuality) throws(AudioFormatError) {
        guard inputRate > 0 else { throw .invalidSampleRate(inputRate) }
        guard outputRate > 0 else { throw .invalidSampleRate(outputRate) }
        guard channels > 0 else { throw .invalidChannelCount(channels) }
        guard (0...10).contains(quality) else { throw .invalidQuality(quality) }
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.channels = channels
        self.quality = quality
        if inputRate == outputRate {
            state = nil
        } else {
            var error: Int32 = 0
            guard let state = speex_resampler_init(
                UInt32(channels), UInt32(inputRate), UInt32(outputRate), Int32(quality), &error)
            else { throw .resamplerFailed(String(cString: speex_resampler_strerror(error))) }
            self.state = state
        }
    }

    deinit {
        if let state { speex_resampler_destroy(state) }
    }

    /// Filter delay in input samples (per channel).
    public var inputLatency: Int { state.map { Int(speex_resampler_get_input_latency($0)) } ?? 0 }

    /// Filter delay in output samples (per channel): how far streaming output lags the input.
    public var outputLatency: Int { state.map { Int(speex_resampler_get_output_latency($0)) } ?? 0 }

    /// The filter delay as time.
    public var latency: Duration { Duration(samples: inputLatency, sampleRate: inputRate) }

    /// Converts the next chunk of the stream. Output is about `input × outputRate / inputRate`
    /// samples, minus what the filter is still holding.
    public func process(_ chunk: AudioChunk) throws(AudioFormatError) -> AudioChunk {
        guard chunk.sampleRate == inputRate, chunk.channels == channels else {
            throw .formatMismatch(expectedRate: inputRate, expectedChannels: channels,
                                  gotRate: chunk.sampleRate, gotChannels: chunk.channels)
        }
        let frames = chunk.frameCount
        guard let state else { return chunk }
        return AudioChunk(samples: try run(state, chunk.samples, frames: frames), sampleRate: outputRate, channels: channels)
    }

    /// Pushes silence through the filter to release the audio it still holds; call once at the
    /// end of a stream. The resampler is then ready for a new stream only after `reset()`.
    public func flush() throws(AudioFormatError) -> AudioChunk {
        guard let state else { return AudioChunk(samples: [], sampleRate: outputRate, channels: channels) }
        let zeros = [Float](repeating: 0, count: inputLatency * channels)
        return AudioChunk(samples: try run(state, zeros, frames: inputLatency), sampleRate: outputRate, channels: channels)
    }

    /// Clears the filter history, for a new stream.
    public func reset() {
        if let state { speex_resampler_reset_mem(state) }
    }

    /// Converts a whole signal, aligned: output sample `k` sits at time `k / rate`, as input
    /// sample `k` did, and the output holds `round(input × rate / inputRate)` samples per channel.
    public static func resample(_ chunk: AudioChunk, to rate: Int, quality: Int = Resampler.defaultQuality) throws(AudioFormatError) -> AudioChunk {
        let resampler = try Resampler(from: chunk.sampleRate, to: rate, channels: chunk.channels, quality: quality)
        guard let state = resampler.state else { return chunk }
        // Starts the output at the first input sample instead of after the filter's delay.
        speex_resampler_skip_zeros(state)
        var samples = try resampler.process(chunk).samples
        samples += try resampler.flush().samples
        let expected = Int((Int64(chunk.frameCount) * Int64(rate) + Int64(chunk.sampleRate) / 2) / Int64(chunk.sampleRate))
        let count = expected * chunk.channels
        if samples.count > count {
            samples.removeLast(samples.count - count)
        } else if samples.count < count {
            samples.append(contentsOf: repeatElement(0, count: count - samples.count))
        }
        return AudioChunk(samples: samples, sampleRate: rate, channels: chunk.channels)
    }

    private func run(_ state: OpaquePointer, _ input: [Float], frames: Int) throws(AudioFormatError) -> [Float] {
        guard frames > 0 else { return [] }
        // Generous by a few samples: the filter's phase can release one more sample than the ratio.
        let capacity = Int((Int64(frames) * Int64(outputRate) + Int64(inputRate) - 1) / Int64(inputRate)) + 16
        var output = [Float](repeating: 0, count: capacity * channels)
        var consumed = 0
        var produced = 0
        var status: Int32 = 0
        input.withUnsafeBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                while consumed < frames, produced < capacity {
                    var inLength = UInt32(frames - consumed)
                    var outLength = UInt32(capacity - produced)
                    status = speex_resampler_process_interleaved_float(
                        state, inBuffer.baseAddress! + consumed * channels, &inLength,
                        outBuffer.baseAddress! + produced * channels, &outLength)
                    guard status == 0, inLength > 0 || outLength > 0 else { break }
                    consumed += Int(inLength)
                    produced += Int(outLength)
                }
            }
        }
        guard status == 0 else { throw .resamplerFailed(String(cString: speex_resampler_strerror(status))) }
        output.removeLast((capacity - produced) * channels)
        return output
    }
}
