import EarshotCore

extension Duration {
    /// A stage's figure in milliseconds as a duration, to the nearest nanosecond: every stage
    /// parameter, distribution and network figure goes through this one conversion. The pipeline
    /// loader refuses figures beyond `InputLimits` where it reads them; the clamp keeps a figure
    /// made in code from trapping too.
    static func milliseconds(clamping ms: Double) -> Duration {
        .milliseconds(checked: ms) ?? (ms < 0 ? .zero - InputLimits.longestDuration : InputLimits.longestDuration)
    }
}
