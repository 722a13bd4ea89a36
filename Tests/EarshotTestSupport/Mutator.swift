import Foundation
import EarshotCore

/// Deterministic mutation fuzzing for the parsers that read users' files: each call returns one
/// mutant of one of the seed inputs — bits flipped, bytes set to what parsers trip on, ranges cut,
/// doubled or spliced from another seed, and numbers swapped for extreme ones (the cases that
/// used to trap). Same seed, same mutants, so a failure in CI reproduces anywhere.
public struct Mutator {
    let seeds: [[UInt8]]
    let random: SeededRandom

    public init(seeds: [[UInt8]], seed: UInt64) {
        precondition(!seeds.isEmpty, "fuzzing needs at least one seed input")
        self.seeds = seeds
        self.random = SeededRandom(seed: seed)
    }

    static let interestingBytes: [UInt8] = [0, 0xFF, 0x7F, 0x80, 0x0A, 0x0D, 0x09, 0x22, 0x27, 0x2C, 0x2D, 0x2E, 0x3A,
                                            0x5B, 0x5D, 0x7B, 0x7D, 0x26, 0x2A, 0x21, 0x23, 0x7C, 0x3E, 0x30, 0x39]
    static let extremeNumbers = ["1e308", "-1e308", "1e13", "-1", "0", "-0", "99999999999999999999", "9223372036854775808",
                                 ".nan", ".inf", "-.inf", "nan", "inf", "1e-320", "0.0000001", "4294967296", "-9223372036854775809"]

    public func next() -> [UInt8] {
        var bytes = seeds[pick(seeds.count)]
        for _ in 0..<(1 + pick(4)) { mutate(&bytes) }
        return bytes
    }

    private func pick(_ n: Int) -> Int { Int(random.next() % UInt64(max(n, 1))) }

    private func mutate(_ b: inout [UInt8]) {
        switch pick(8) {
        case 0 where !b.isEmpty:
            b[pick(b.count)] ^= UInt8(1 << pick(8))
        case 1 where !b.isEmpty:
            b[pick(b.count)] = Self.interestingBytes[pick(Self.interestingBytes.count)]
        case 2 where !b.isEmpty:
            let start = pick(b.count)
            b.removeSubrange(start..<min(b.count, start + 1 + pick(32)))
        case 3 where !b.isEmpty:
            let start = pick(b.count)
            let piece = b[start..<min(b.count, start + 1 + pick(64))]
            b.insert(contentsOf: piece, at: pick(b.count + 1))
        case 4:
            let other = seeds[pick(seeds.count)]
            guard !other.isEmpty else { return }
            let start = pick(other.count)
            b.insert(contentsOf: other[start..<min(other.count, start + 1 + pick(128))], at: pick(b.count + 1))
        case 5:
            replaceNumber(&b)
        case 6 where !b.isEmpty:
            b.removeSubrange(pick(b.count)...)
        default:
            b.insert(UInt8(truncatingIfNeeded: random.next()), at: pick(b.count + 1))
        }
    }

    /// Swaps one run of digits for an extreme number: where range checks are missing, this traps.
    private func replaceNumber(_ b: inout [UInt8]) {
        let digits = b.indices.filter { b[$0] >= 0x30 && b[$0] <= 0x39 }
        guard !digits.isEmpty else { return }
        var start = digits[pick(digits.count)]
        var end = start
        while start > 0, b[start - 1] >= 0x30 && b[start - 1] <= 0x39 || b[start - 1] == 0x2E { start -= 1 }
        while end < b.count, b[end] >= 0x30 && b[end] <= 0x39 || b[end] == 0x2E { end += 1 }
        b.replaceSubrange(start..<end, with: Array(Self.extremeNumbers[pick(Self.extremeNumbers.count)].utf8))
    }
}

/// How much to fuzz: a fixed count in CI; `EARSHOT_FUZZ_ITERATIONS` and `EARSHOT_FUZZ_SEED` run
/// longer, or elsewhere, by hand.
public enum Fuzzing {
    public static func iterations(_ standard: Int) -> Int {
        ProcessInfo.processInfo.environment["EARSHOT_FUZZ_ITERATIONS"].flatMap(Int.init) ?? standard
    }

    public static func seed(_ standard: UInt64) -> UInt64 {
        standard &+ (ProcessInfo.processInfo.environment["EARSHOT_FUZZ_SEED"].flatMap(UInt64.init) ?? 0)
    }
}
