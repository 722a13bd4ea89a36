import ArgumentParser
import EarshotWire
import Foundation
import NIOPosix

extension LocalAgent.Wire: ExpressibleByArgument {}

extension EarshotBench.Agent {
    /// `LocalAgent`'s behaviours, and the echo agent.
    enum Behaviour: String, ExpressibleByArgument, CaseIterable {
        case answer, echo, closeMidTurn = "close-mid-turn", malformed, silent
    }
}

extension EarshotBench {
    struct Agent: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve a loopback voice agent over WebSocket: the far end for the agent connectors' checks and the callers benchmark.",
            discussion: """
                Speaks Twilio Media Streams (path /twilio) or the OpenAI Realtime protocol (path /realtime) \
                on 127.0.0.1. It hears by energy: after speech, --end-silence-ms of quiet ends the user's \
                turn; --reply-delay-ms later it sends --reply-ms of a 440 Hz tone, all at once. \
                Speech over its reply gets Twilio's clear, or Realtime's speech_started. --behaviour echo \
                (Twilio only) sends every piece of audio straight back, on one thread with bare sockets: the \
                callers benchmark's minimal agent. The fault behaviours close the call, send text that is not \
                JSON, or say nothing, where it would answer. Prints READY and the URL once listening; runs \
                until interrupted.
                Example:
                  earshot-bench agent --wire twilio --port 8765 --reply-delay-ms 200
                """)

        @Option(help: "Protocol: twilio or realtime.")
        var wire: LocalAgent.Wire = .twilio

        @Option(help: "answer, echo, close-mid-turn, malformed or silent.")
        var behaviour: Behaviour = .answer

        @Option(help: "Port on 127.0.0.1 (0: any free one).")
        var port = 0

        @Option(help: "Time from its end of turn to its reply, ms.")
        var replyDelayMs = 200

        @Option(help: "Length of its reply, ms.")
        var replyMs = 600

        @Option(help: "Quiet after speech that ends the user's turn, ms.")
        var endSilenceMs = 300

        func validate() throws {
            guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
            for (name, v) in [("--reply-delay-ms", replyDelayMs), ("--reply-ms", replyMs), ("--end-silence-ms", endSilenceMs)] where v < 0 {
                throw ValidationError("\(name) must be >= 0, got \(v)")
            }
            if behaviour == .echo && wire != .twilio { throw ValidationError("--behaviour echo speaks Twilio only, not \(wire.rawValue)") }
        }

        func run() throws {
            guard let answering = LocalAgent.Behaviour(rawValue: behaviour.rawValue) else { return try echo() }
            var c = LocalAgent.Configuration(wire: wire, behaviour: answering)
            c.replyDelay = .milliseconds(replyDelayMs)
            c.replyLength = .milliseconds(replyMs)
            c.endSilence = .milliseconds(endSilenceMs)
            let agent: LocalAgent
            do { agent = try LocalAgent(c, port: port, group: MultiThreadedEventLoopGroup(numberOfThreads: 1)) } catch {
                throw ValidationError("cannot listen on 127.0.0.1:\(port): \(error)")
            }
            FileHandle.standardOutput.write(Data("READY \(agent.url)\n".utf8))
            // Serves until a signal ends the process; the event loops do the work.
            signal(SIGTERM, SIG_DFL)
            while true { pause() }
        }

        func echo() throws {
            let agent: EchoAgent
            do { agent = try EchoAgent(port: port) } catch { throw ValidationError("\(error)") }
            FileHandle.standardOutput.write(Data("READY \(agent.url)\n".utf8))
            signal(SIGTERM, SIG_DFL)
            agent.serve()
        }
    }
}
