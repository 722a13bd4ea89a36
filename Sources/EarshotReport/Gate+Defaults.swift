extension Gate {
    /// No turn failed: a design that breaks turns is not fast, whatever its percentiles say.
    public static let noFailedTurns = Gate(.failedRate, limit: 0)

    /// What a run is gated by when nobody says otherwise: the voice-to-voice budget at a percentile,
    /// and no failed turns.
    public static func defaults(budget: Duration = defaultBudget, percentile: Percentile = .p95) -> [Gate] {
        [Gate(.voiceToVoice, percentile, budget: budget), noFailedTurns]
    }

    /// `given`, then each of `defaults` on a metric and design `given` does not gate: a gate you
    /// give replaces the default on its metric; the other defaults stay.
    public static func combining(_ given: [Gate], defaults: [Gate]) -> [Gate] {
        given + defaults.filter { d in !given.contains { $0.metric == d.metric && $0.design == d.design } }
    }
}
