extension Duration {
    /// A YAML figure in milliseconds as a duration, to the nearest nanosecond: every stage
    /// parameter, distribution and network figure goes through this one conversion.
    static func milliseconds(rounding ms: Double) -> Duration {
        .nanoseconds(Int64((ms * 1_000_000).rounded()))
    }
}
