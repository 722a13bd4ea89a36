import EarshotCore
import Testing

@Suite struct StageHarnessTests {
    @Test func timeMovesOnlyWhenTheTestSaysSo() throws {
        let h = StageHarness(TestDelay("d", consumes: .audio, produces: .audio, delay: .fixed(.milliseconds(120)), mark: .ttsFirstAudio) {
            .audio($0.audio!)
        })
        try h.feed(.audio(.silence(.milliseconds(20))), turn: 3)
        h.advance(by: .milliseconds(119))
        #expect(h.emitted.isEmpty)
        h.advance(by: .milliseconds(1))
        #expect(h.emitted.count == 1)
        #expect(h.emitted[0].emittedAt == .milliseconds(120))
        #expect(h.emitted[0].turn == 3)
        #expect(h.marks[3]?[.ttsFirstAudio] == .milliseconds(120))
        #expect(h.finish().isClean)
    }

    @Test func unfinishedWorkAndFailuresAreLeftOvers() throws {
        let h = StageHarness(TestDelay("d", consumes: .text, produces: .text, delay: .fixed(.seconds(1)), mark: nil) { $0.payload })
        try h.feed(.text(TextChunk("hi", isFinal: true)))
        try h.feed(.event(.endOfTurn))   // not consumed: passes straight through
        #expect(h.emitted.map(\.kind) == [.event])
        let failing = StageHarness(FailingStage(failTurns: [1]))
        #expect(throws: FailingStage.Boom.self) { try failing.feed(.event(.endOfTurn), turn: 1) }
        #expect(h.finish() == .init(pendingWork: 1, failures: 0))
    }
}
