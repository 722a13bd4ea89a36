import EarshotCore

/// The stages Earshot ships, as the registry lists them.
enum BuiltInStages {
    static let all: [StageDescriptor] = [
        StageDescriptor(name: "pass-through", role: .utility, summary: "Forwards every frame unchanged; costs one hop.") { _ in
            PassThrough()
        },
        StageDescriptor(
            name: "delay", role: .utility, summary: "Holds each frame for a drawn delay, keeping arrival order.",
            parameters: [
                StageParameter("delay", .distribution, help: "Delay per frame (ms, or a distribution)."),
                StageParameter("kinds", .text, default: .text("all"), choices: ["all", "audio", "text", "event", "encoded"],
                               help: "Which frame kinds it delays; others pass straight through."),
            ]
        ) { args in
            let kinds: FrameKinds = switch args.text("kinds") {
            case "audio": .audio
            case "text": .text
            case "event": .event
            case "encoded": .encoded
            default: .all
            }
            return DelayStage(delay: args.distribution("delay"), consumes: kinds)
        },
    ]
}
