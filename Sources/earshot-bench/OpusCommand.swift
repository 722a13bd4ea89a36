import ArgumentParser

extension EarshotBench {
    struct Opus: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Opus encode/decode cost per 20 ms frame through Earshot's wrappers.",
            discussion: """
                Options: --frames N, --input PATH (raw Float32 48 kHz mono), --write-input PATH, --key-value.
                Scripts/bench-opus runs this beside a C program calling libopus directly, on identical
                input, and prints the wrapper/direct ratio.
                """)

        @Argument(parsing: .captureForPassthrough, help: "Options passed to the Opus benchmark.")
        var options: [String] = []

        func run() throws {
            do {
                try OpusBench.main(arguments: options)
            } catch let error as OpusBench.UsageError {
                throw ValidationError(error.description)
            }
        }
    }
}
