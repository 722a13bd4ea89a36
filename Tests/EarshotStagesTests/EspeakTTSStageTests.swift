import EarshotAudio
import EarshotCore
import EarshotStages
import Testing

@Suite struct EspeakTTSStageTests {
    static func tokens(_ h: StageHarness, _ words: [String], turn: Int = 1) throws {
        for (i, w) in words.enumerated() {
            try h.feed(.text(TextChunk(w, isFinal: i == words.count - 1)), turn: turn)
        }
    }

    static func audio(_ h: StageHarness) -> [AudioChunk] { h.emitted.compactMap { $0.audio } }

    /// Nothing is said before a clause is complete; "Great," is spoken as soon as the next token
    /// shows the comma ends a clause, before the reply's last token.
    @Test func speaksEachClauseAsSoonAsItIsComplete() throws {
        let h = StageHarness(EspeakTTSStage())
        try h.feed(.text(TextChunk("Great,", isFinal: false)))
        #expect(Self.audio(h).isEmpty)
        try h.feed(.text(TextChunk(" it's", isFinal: false)))
        let first = Self.audio(h)
        #expect(!first.isEmpty)
        #expect(h.marks[1]?[.ttsFirstAudio] != nil)
        try h.feed(.text(TextChunk(" booked.", isFinal: true)))
        let all = Self.audio(h)
        #expect(all.count > first.count)
        let total = all.reduce(Duration.zero) { $0 + $1.duration }
        #expect(total > .milliseconds(700) && total < .milliseconds(2_500))
        #expect(all.allSatisfy { $0.sampleRate == 16_000 })
        let loudest = try LevelMeter().levels(of: AudioChunk(samples: all.flatMap(\.samples), sampleRate: 16_000)).map(\.levelDBFS).max()!
        #expect(loudest > -30)
    }

    /// Chunks come at the declared rate, and the reply lasts as long at 24 kHz as at 16 kHz: within
    /// a fifth, since espeak's own length moves by tens of milliseconds with what it said before
    /// (EspeakSynthesizer), where audio taken at the wrong rate would be half as long again.
    @Test func resamplesToTheDeclaredRate() throws {
        func duration(_ rate: Int) throws -> Duration {
            let h = StageHarness(EspeakTTSStage(sampleRate: rate))
            try Self.tokens(h, ["Yes,", " it", " is."])
            let all = Self.audio(h)
            #expect(all.allSatisfy { $0.sampleRate == rate })
            return all.reduce(.zero) { $0 + $1.duration }
        }
        let (high, low) = (try duration(24_000), try duration(16_000))
        #expect(high > .milliseconds(500) && high < .milliseconds(1_500))
        #expect(abs((high - low).milliseconds) < low.milliseconds / 5, "\(high) at 24 kHz, \(low) at 16 kHz")
    }

    /// An interruption stops the reply: its remaining tokens make no sound, the event goes on to
    /// playout, and the next turn's reply is spoken.
    @Test func stopsOnInterruption() throws {
        let h = StageHarness(EspeakTTSStage())
        try h.feed(.text(TextChunk("The bus is cheaper,", isFinal: false)))
        try h.feed(.text(TextChunk(" but", isFinal: false)))
        let spoken = Self.audio(h).count
        #expect(spoken > 0)
        try h.feed(.event(.interruption), turn: 2)
        try h.feed(.text(TextChunk(" the train is faster.", isFinal: true)))
        #expect(Self.audio(h).count == spoken)
        #expect(h.emitted.compactMap { $0.event } == [.interruption])
        try Self.tokens(h, ["Sure."], turn: 2)
        #expect(Self.audio(h).count > spoken)
        #expect(h.emitted.last?.turn == 2)
    }

    /// A flush voids the text not yet spoken; the reply that follows it is spoken in full.
    @Test func aFlushDropsTheReplyUnderWay() throws {
        let h = StageHarness(EspeakTTSStage())
        try h.feed(.text(TextChunk("Lisbon is", isFinal: false)))
        try h.feed(.event(.flush))
        try h.feed(.text(TextChunk(" warmer.", isFinal: true)))
        let heard = Self.audio(h).reduce(Duration.zero) { $0 + $1.duration }
        let alone = try EspeakSynthesizer.shared.synthesize("warmer.").duration
        // Within a third: espeak's carry-over moves a length by tens of milliseconds, and the voided
        // "Lisbon is" would add more than the whole of "warmer.".
        #expect(abs((heard - alone).milliseconds) < alone.milliseconds / 3, "heard \(heard), alone \(alone)")
        #expect(h.emitted.compactMap { $0.event } == [.flush])
    }

    @Test func isRegisteredWithItsRate() throws {
        let d = try #require(StageRegistry.shared.descriptor(named: "tts-espeak"))
        #expect(d.role == .tts)
        #expect(d.defaults.values["sample_rate"] == .number(16_000))
        #expect(try d.make(d.defaults).timing == .modelled)  // its engine calls are blocking jobs, charged through their inbox
    }
}
