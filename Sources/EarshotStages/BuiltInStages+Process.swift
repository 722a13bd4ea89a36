import EarshotCore

extension BuiltInStages {
    static let process = StageDescriptor(
        name: "process", role: .utility,
        summary: "A child process in any language speaking line-delimited JSON on stdin/stdout (Scripts/stages/PROTOCOL.md); one reply per frame, its round trip measured.",
        parameters: [
            StageParameter("command", .text, help: "The program to run (looked up on PATH unless it contains a slash)."),
            StageParameter("args", .text, default: .text(""), help: "Its arguments, separated by spaces."),
            StageParameter("timeout_ms", .milliseconds, default: .number(5_000), range: 1...600_000,
                           help: "Longest wait for the child's reply to one frame (and for ready); past it the turn fails and the child is restarted."),
            StageParameter("max_line_bytes", .integer, default: .number(Double(ProcessStage.defaultMaxLineBytes)), range: 1_024...1_073_741_824,
                           help: "Longest line the child may write on stdout; a longer reply line fails the turn and the child is restarted."),
        ]
    ) { args in
        try ProcessStage(command: args.text("command"), arguments: args.text("args").split(separator: " ").map(String.init),
                         timeout: args.duration("timeout_ms"), maxLineBytes: args.integer("max_line_bytes"))
    }
}
