/// A scripted conversation: the user's side as one audio timeline, and the ground truth of each
/// user turn on that timeline. Scenarios are data (AudioFixtures/scenarios/*.yaml), never code.
public struct Scenario: Sendable {
    public var name: String
    public var description: String
    /// The user's whole side of the conversation, mono, starting at timeline 0.
    public var audio: AudioChunk
    public var turns: [ScenarioTurn]

    public init(name: String, description: String = "", audio: AudioChunk, turns: [ScenarioTurn]) {
        self.name = name
        self.description = description
        self.audio = audio
        self.turns = turns
    }
}

/// What a scripted or modelled stage may know of its session's conversation: each user turn's
/// ground truth (speech start and end, pauses, kind) and the reply expected. Only stages that
/// declare `readsScript` get it (`StageContext.script`); a stage standing for a real component —
/// an engine, a plug-in, a server — decides from what it hears, as it would in production.
public struct ScenarioScript: Sendable {
    public let name: String
    public let turns: [ScenarioTurn]

    public init(_ scenario: Scenario) {
        name = scenario.name
        turns = scenario.turns
    }

    /// The turn with id `id`.
    public func turn(_ id: Int) -> ScenarioTurn? { turns.first { $0.id == id } }

    /// What the user says in this scenario, as a set: each distinct transcript (`text`) once, in
    /// sorted order, so no turn, order or timing can be read from it. Empty when no turn has one.
    public var phrases: [String] {
        Array(Set(turns.compactMap(\.text).filter { !$0.isEmpty })).sorted()
    }
}

public struct ScenarioTurn: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// The user speaks and expects a reply.
        case turn
        /// The user speaks over the agent's reply to the previous turn and expects it to stop.
        case bargeIn = "barge_in"
        /// A short acknowledgement ("mm-hm") during the agent's reply: the agent should carry on.
        case backchannel
    }

    /// 1-based turn number within the scenario; frames carry it as their turn id.
    public var id: Int
    public var kind: Kind
    /// The utterance file this turn plays, relative to the fixtures folder.
    public var audioFile: String
    /// Where the utterance file's first sample sits on the timeline.
    public var offset: Duration
    /// Ground truth on the timeline, measured from the audio by the fixtures' energy rule.
    public var speechStart: Duration
    public var speechEnd: Duration
    /// Silences inside the speech long enough to tempt an endpointer (timeline, start..<end).
    public var pauses: [Range<Duration>]
    /// The agent's expected reply text; nil for a backchannel.
    public var reply: String?
    /// What the user says, when the manifest gives it: the reference a recogniser's transcript is
    /// scored against (`WordErrors`).
    public var text: String?

    public init(id: Int, kind: Kind, audioFile: String, offset: Duration, speechStart: Duration,
                speechEnd: Duration, pauses: [Range<Duration>] = [], reply: String?, text: String? = nil) {
        self.id = id
        self.kind = kind
        self.audioFile = audioFile
        self.offset = offset
        self.speechStart = speechStart
        self.speechEnd = speechEnd
        self.pauses = pauses
        self.reply = reply
        self.text = text
    }
}
