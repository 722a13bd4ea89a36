import EarshotCore

/// Checks a scenario's ground truth against its audio: recomputes each turn's speech start, end
/// and pauses with the fixtures' energy rule and reports what differs by more than `tolerance`.
///
/// The energy rule (AudioFixtures/README.md; the generator applies the same one): 10 ms frames
/// aligned to the utterance's first sample; a frame is speech when `Level.rmsDBFS` ≥ −40 dBFS;
/// speech starts at the first speech frame's start and ends at the last one's end; a pause is a
/// run of non-speech frames of at least 300 ms between speech frames.
public struct FixtureVerifier: Sendable {
    public static let frameDuration: Duration = .milliseconds(10)
    public static let speechThresholdDBFS: Double = -40
    public static let minimumPause: Duration = .milliseconds(300)

    /// What the rule finds in one stretch of audio, relative to its first sample.
    public struct Timing: Sendable, Equatable {
        public var speechStart: Duration
        public var speechEnd: Duration
        public var pauses: [Range<Duration>]

        public init(speechStart: Duration, speechEnd: Duration, pauses: [Range<Duration>] = []) {
            self.speechStart = speechStart
            self.speechEnd = speechEnd
            self.pauses = pauses
        }
    }

    /// One ground-truth value the audio disagrees with. Times are on the scenario's timeline.
    public struct Mismatch: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// No frame of the turn's audio reaches the speech threshold.
            case noSpeech
            case speechStart(expected: Duration, measured: Duration)
            case speechEnd(expected: Duration, measured: Duration)
            /// The manifest lists a different number of pauses than the audio has; both lists in full.
            case pauseCount(expected: [Range<Duration>], measured: [Range<Duration>])
            /// `index` is 0-based in the turn's `pauses`.
            case pause(index: Int, expected: Range<Duration>, measured: Range<Duration>)
        }

        public var scenario: String
        public var turn: Int
        public var kind: Kind
        /// The manifest and the line of the value, when the scenario was checked from its manifest.
        public var file: String?
        public var line: Int?

        public init(scenario: String, turn: Int, kind: Kind, file: String? = nil, line: Int? = nil) {
            self.scenario = scenario
            self.turn = turn
            self.kind = kind
            self.file = file
            self.line = line
        }

        public var description: String {
            InputError(file: file, line: line, message).description
        }

        /// The disagreement without the manifest's place: scenario, turn, field, listed and measured value.
        public var message: String {
            let prefix = "\(scenario) turn \(turn): "
            switch kind {
            case .noSpeech:
                return prefix + "no speech above \(Int(FixtureVerifier.speechThresholdDBFS)) dBFS in the turn's audio"
            case let .speechStart(expected, measured):
                return prefix + "speech_start_ms is \(ms(expected)), the audio says \(ms(measured))"
            case let .speechEnd(expected, measured):
                return prefix + "speech_end_ms is \(ms(expected)), the audio says \(ms(measured))"
            case let .pauseCount(expected, measured):
                return prefix + "pauses lists \(expected.count) (\(list(expected))), the audio has \(measured.count) (\(list(measured)))"
            case let .pause(index, expected, measured):
                return prefix + "pause \(index + 1) is [\(ms(expected.lowerBound)), \(ms(expected.upperBound))], "
                    + "the audio says [\(ms(measured.lowerBound)), \(ms(measured.upperBound))]"
            }
        }

        /// As the manifest writes pauses: `[[start, end], ...]`.
        private func list(_ pauses: [Range<Duration>]) -> String {
            "[" + pauses.map { "[\(ms($0.lowerBound)), \(ms($0.upperBound))]" }.joined(separator: ", ") + "]"
        }

        private func ms(_ d: Duration) -> String {
            let ns = d.nanoseconds
            return ns % 1_000_000 == 0 ? "\(ns / 1_000_000)" : "\(d.milliseconds)"
        }
    }

    /// Differences up to this much are agreement: one frame, the rule's own resolution.
    public var tolerance: Duration

    public init(tolerance: Duration = FixtureVerifier.frameDuration) {
        self.tolerance = tolerance
    }

    /// Every disagreement between the scenario's turns and its audio; empty when they agree.
    ///
    /// Each turn is measured from its offset up to the next turn's offset (or the timeline's end),
    /// so the frames line up with the utterance file's first sample as the rule requires.
    public func verify(_ scenario: Scenario) -> [Mismatch] {
        let audio = scenario.audio
        precondition(audio.channels == 1, "scenario timelines are mono")
        let rate = audio.sampleRate
        let starts = scenario.turns.map { min(audio.frameCount, Self.sampleIndex($0.offset, rate: rate)) }
        var mismatches: [Mismatch] = []
        for (index, turn) in scenario.turns.enumerated() {
            let start = starts[index]
            let end = max(start, index + 1 < starts.count ? starts[index + 1] : audio.frameCount)
            func report(_ kind: Mismatch.Kind) {
                mismatches.append(Mismatch(scenario: scenario.name, turn: turn.id, kind: kind))
            }
            guard let found = Self.measure(audio.samples[start..<end], sampleRate: rate) else {
                report(.noSpeech)
                continue
            }
            let measuredStart = turn.offset + found.speechStart
            let measuredEnd = turn.offset + found.speechEnd
            let measuredPauses = found.pauses.map { (turn.offset + $0.lowerBound)..<(turn.offset + $0.upperBound) }
            if !agrees(turn.speechStart, measuredStart) {
                report(.speechStart(expected: turn.speechStart, measured: measuredStart))
            }
            if !agrees(turn.speechEnd, measuredEnd) {
                report(.speechEnd(expected: turn.speechEnd, measured: measuredEnd))
            }
            guard turn.pauses.count == measuredPauses.count else {
                report(.pauseCount(expected: turn.pauses, measured: measuredPauses))
                continue
            }
            for (i, (expected, measured)) in zip(turn.pauses, measuredPauses).enumerated()
            where !agrees(expected.lowerBound, measured.lowerBound) || !agrees(expected.upperBound, measured.upperBound) {
                report(.pause(index: i, expected: expected, measured: measured))
            }
        }
        return mismatches
    }

    /// The energy rule over mono `samples`, times relative to the first one; nil when no frame is
    /// speech. A last frame shorter than 10 ms is measured over what it has.
    public static func measure(_ samples: ArraySlice<Float>, sampleRate: Int) -> Timing? {
        let frameLength = sampleIndex(frameDuration, rate: sampleRate)
        precondition(frameLength > 0, "sample rate \(sampleRate) Hz is too low for 10 ms frames")
        var speech: [Bool] = []
        speech.reserveCapacity(samples.count / frameLength + 1)
        var frameStart = samples.startIndex
        while frameStart < samples.endIndex {
            let frameEnd = min(frameStart + frameLength, samples.endIndex)
            speech.append(Level.rmsDBFS(samples[frameStart..<frameEnd]) >= speechThresholdDBFS)
            frameStart = frameEnd
        }
        guard let first = speech.firstIndex(of: true), let last = speech.lastIndex(of: true) else { return nil }

        let minimumPauseFrames = Int(minimumPause.nanoseconds / frameDuration.nanoseconds)
        // From whole samples, so a rate whose 10 ms is not whole samples still reports true times.
        func time(_ frame: Int) -> Duration {
            .nanoseconds(Int64(frame * frameLength) * 1_000_000_000 / Int64(sampleRate))
        }
        var pauses: [Range<Duration>] = []
        var silenceStart: Int?
        for frame in first...last {
            if !speech[frame] {
                silenceStart = silenceStart ?? frame
            } else if let start = silenceStart {
                if frame - start >= minimumPauseFrames { pauses.append(time(start)..<time(frame)) }
                silenceStart = nil
            }
        }
        return Timing(speechStart: time(first), speechEnd: time(last + 1), pauses: pauses)
    }

    private func agrees(_ a: Duration, _ b: Duration) -> Bool {
        abs((a - b).nanoseconds) <= tolerance.nanoseconds
    }

    private static func sampleIndex(_ time: Duration, rate: Int) -> Int {
        Int(time.nanoseconds * Int64(rate) / 1_000_000_000)
    }
}
