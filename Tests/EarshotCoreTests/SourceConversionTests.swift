import EarshotCore
import EarshotTestSupport
import Foundation
import Testing

/// The source's audio converted once per scenario for the stage that alone hears it
/// (`StageSpec.sourceConversion`), and the wait of a source frame for its executor (`sourceHop`).
struct SourceConversionTests {
    /// Every other sample: 16 kHz to 8 kHz, with a timeline that stays where it was.
    static let halve = SourceConversion(sampleRate: 8_000) { audio in
        AudioChunk(samples: stride(from: 0, to: audio.samples.count, by: 2).map { audio.samples[$0] }, sampleRate: 8_000)
    }

    static func run(_ steps: [Pipeline.Step]) throws -> [String] {
        let scenario = Synthetic.scenario(totalMs: 1000, turns: [(.turn, 200, 600)])
        let seen = Seen()
        func looking(_ spec: StageSpec) -> StageSpec {
            var spec = spec
            if spec.name == "look" { spec.make = { Look(seen: seen) } }
            return spec
        }
        let steps = steps.map { step -> Pipeline.Step in
            switch step {
            case .stage(let spec): .stage(looking(spec))
            case .parallel(let branches): .parallel(branches.map { $0.map(looking) })
            }
        }
        _ = try VirtualRuntime(pipeline: Pipeline(name: "p", steps: steps), scenarios: [scenario]).run()
        return seen.all
    }

    @Test func theStageThatAloneHearsTheSourceGetsItConverted() throws {
        let seen = try Self.run([.stage(StageSpec("look", sourceConversion: Self.halve) { PassThrough() })])
        #expect(seen.count == 50)
        #expect(Set(seen) == ["8000 Hz, 160 samples"])
    }

    @Test func aConversionNeedsTheStageToHearTheSourceAlone() throws {
        // Behind another stage: what reaches it is that stage's output, not the source.
        let behind = try Self.run([.stage(StageSpec("first") { PassThrough() }),
                                   .stage(StageSpec("look", sourceConversion: Self.halve) { PassThrough() })])
        #expect(Set(behind) == ["16000 Hz, 320 samples"])
        // Beside another branch: both hear the source, as it is.
        let beside = try Self.run([.parallel([[StageSpec("look", sourceConversion: Self.halve) { PassThrough() }],
                                              [StageSpec("other") { PassThrough() }]])])
        #expect(Set(beside) == ["16000 Hz, 320 samples"])
    }

    @Test func aRateWithNoWholeFrameLeavesTheSourceAsItIs() throws {
        // 20 ms at 11 025 Hz is 220.5 samples: no frame holds that.
        let odd = SourceConversion(sampleRate: 11_025) { _ in Issue.record("converted"); return AudioChunk(samples: [], sampleRate: 11_025) }
        let seen = try Self.run([.stage(StageSpec("look", sourceConversion: odd) { PassThrough() })])
        #expect(Set(seen) == ["16000 Hz, 320 samples"])
    }

    /// A stage that holds its executor 60 ms on frame 10 (no real stage may): frame 11, due 20 ms
    /// after frame 10, waits about 40 ms for the executor, and `sourceHop` says so.
    @Test func aFrameThatWaitsForItsExecutorIsSeenWaiting() throws {
        let scenario = Synthetic.scenario(totalMs: 600, turns: [(.turn, 100, 400)])
        let pipeline = Pipeline(name: "hog", steps: [.stage(StageSpec("hog") { Hog(frame: 10, hold: .milliseconds(60)) })])
        let result = try RealtimeRuntime(pipeline: pipeline, scenarios: [scenario], executors: 1).run()
        #expect(result.harness.sourceHop.totalCount == UInt64(result.harness.framesSent))
        #expect(result.harness.sourceHop.max >= 35_000_000, "longest wait \(result.harness.sourceHop.max) ns")
    }
}

private final class Look: Stage {
    let name = "look"
    let consumes: FrameKinds = .all
    let produces: FrameKinds = .all
    let seen: Seen
    init(seen: Seen) { self.seen = seen }
    func receive(_ frame: Frame, context: StageContext) {
        if let audio = frame.audio, frame.sourceIndex != nil { seen.add("\(audio.sampleRate) Hz, \(audio.samples.count) samples") }
        context.emit(frame)
    }
}

private final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.withLock { items.append(s) } }
    var all: [String] { lock.withLock { items } }
}

private final class Hog: Stage {
    let name = "hog"
    let consumes: FrameKinds = .all
    let produces: FrameKinds = .all
    let frame: Int
    let hold: Duration
    init(frame: Int, hold: Duration) {
        self.frame = frame
        self.hold = hold
    }
    func receive(_ frame: Frame, context: StageContext) {
        if frame.sourceIndex == self.frame { Thread.sleep(forTimeInterval: Double(hold.nanoseconds) / 1e9) }
        context.emit(frame)
    }
}
