import EarshotAudio
import EarshotCore

/// The named networks a transport leg can use (`network:` in a pipeline), one direction each.
///
/// For scale, ITU-T G.114 (05/2003, §A) treats 150 ms of one-way mouth-to-ear delay as the limit
/// for most conversational use: every profile here stays well below that, leaving the budget to
/// the agent. Figures that no measurement backs are marked assumed in `source`.
public struct NetworkProfile: Sendable {
    public var name: String
    public var configuration: NetworkModel.Configuration
    /// Where the figures come from.
    public var source: String

    public static let all: [NetworkProfile] = [none, lan, wifi, lte, congested]

    public static func named(_ name: String) -> NetworkProfile? { all.first { $0.name == name } }

    /// No network: pure model comparisons.
    public static let none = NetworkProfile(name: "none", configuration: .none, source: "no network by definition")

    public static let lan = NetworkProfile(
        name: "lan",
        configuration: .init(delay: .microseconds(500), jitter: .uniform(.zero, .microseconds(500))),
        source: "assumed: a switched LAN to an on-premises server, sub-millisecond and lossless")

    /// A good home or office Wi-Fi link and broadband to a cloud region in the same metro area.
    public static let wifi = NetworkProfile(
        name: "wifi",
        configuration: .init(delay: .milliseconds(15), jitter: .logNormal(median: .milliseconds(2), sigma: 0.8),
                             loss: .bursty(rate: 0.002, meanBurst: 2)),
        source: "assumed: 15 ms one way to a nearby cloud region, Wi-Fi contention as a lognormal of median 2 ms, 0.2 % loss in pairs")

    public static let lte = NetworkProfile(
        name: "4g",
        configuration: .init(delay: .milliseconds(35), jitter: .logNormal(median: .milliseconds(6), sigma: 0.7),
                             loss: .bursty(rate: 0.01, meanBurst: 2)),
        source: "assumed: 35 ms one way (half a ~70 ms LTE round trip) with a short-tailed jitter and 1 % loss in pairs, "
            + "the shape Di Mauro & Liotta measured for VoIP over LTE-A (IEEE Trans. Network and Service Management: jitter short-tailed, RTT long-tailed)")

    public static let congested = NetworkProfile(
        name: "congested",
        configuration: .init(delay: .milliseconds(60), jitter: .logNormal(median: .milliseconds(20), sigma: 1.0),
                             loss: .bursty(rate: 0.03, meanBurst: 3), reorders: true),
        source: "assumed: a loaded path with bufferbloat — 60 ms one way, a long jitter tail, 3 % loss in bursts of 3, reordering")
}
