/// The state endpointers share: is the user speaking, how much audio has gone by since the VAD
/// said they stopped, and has their turn been ended since they last spoke.
struct SilenceTracker {
    enum State { case idle, speaking, silent(Duration), ended }
    private(set) var state = State.idle

    /// Returns true when speech starts after an ended turn: the user is talking while the agent
    /// may be answering.
    mutating func speechStarted() -> Bool {
        defer { state = .speaking }
        if case .ended = state { return true }
        return false
    }

    mutating func speechStopped() {
        if case .speaking = state { state = .silent(.zero) }
    }

    /// Counts `duration` of audio; the silence so far, or nil when not counting.
    mutating func add(_ duration: Duration) -> Duration? {
        guard case .silent(let quiet) = state else { return nil }
        state = .silent(quiet + duration)
        return quiet + duration
    }

    mutating func endTurn() { state = .ended }
}
