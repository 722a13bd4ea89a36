import Foundation
import EarshotCore

extension RunReport {
    /// Shards of one run (or several runs) as one: rows concatenated, summary recomputed from the
    /// merged turns, so n shards summarise exactly as one run of the same sessions would.
    ///
    /// Rows keep the run id they were written with; the merged summary takes `runID`, or the id
    /// the shards share. Gates are the union of the shards' gates. Overlapping shards (the same
    /// design, session and turn twice) are an input error.
    public static func merge(_ shards: [RunReport], runID: String? = nil) throws -> RunReport {
        guard let first = shards.first else { throw InputError("merge needs at least one output folder") }
        let ids = Set(shards.map(\.info.runID))
        guard let id = runID ?? (ids.count == 1 ? first.info.runID : nil) else {
            throw InputError("the shards have different run ids (\(ids.sorted().joined(separator: ", "))); name the merged run")
        }
        try checkComparable(shards)
        try checkComplete(shards)
        var owner: [String: String] = [:]
        for shard in shards {
            for t in shard.turns {
                let key = "\(t.design)\u{0}\(t.session)\u{0}\(t.turn)"
                if let other = owner.updateValue(shard.info.runID, forKey: key) {
                    throw InputError("design \(t.design) session \(t.session) turn \(t.turn) is in two shards (\(other), \(shard.info.runID)): shards overlap")
                }
            }
        }

        var info = first.info
        info.runID = id
        info.startedAt = shards.compactMap(\.info.startedAt).min()
        let seeds = Set(shards.map(\.info.seed))
        info.seed = seeds.count == 1 ? first.info.seed : nil
        var gates: [Gate] = []
        for g in shards.flatMap(\.info.gates) where !gates.contains(g) { gates.append(g) }
        info.gates = gates
        // Complete shards make the whole run: every session of every scenario, from the first.
        if var c = info.configuration {
            c.firstSession = shards.compactMap(\.info.configuration?.firstSession).min() ?? c.firstSession
            c.sessionCount = nil
            info.configuration = c
        }
        info.interrupted = shards.contains { $0.info.interrupted }
        for shard in shards { info.pipelines.merge(shard.info.pipelines) { a, _ in a } }
        // Only settings every shard shares describe the merged run (a shard index does not).
        info.parameters = info.parameters.filter { key, value in shards.allSatisfy { $0.info.parameters[key] == value } }
        info.harness = [:]
        for shard in shards {
            for (design, h) in shard.info.harness {
                if info.harness[design] == nil { info.harness[design] = h } else { info.harness[design]!.merge(h) }
            }
        }
        info.connect = [:]
        for shard in shards {
            for (design, c) in shard.info.connect {
                if info.connect[design] == nil { info.connect[design] = c } else { info.connect[design]!.merge(c) }
            }
        }
        info.shards = shards.flatMap { s in
            s.info.shards.isEmpty
                ? [RunInfo.Shard(runID: s.info.runID, seed: s.info.seed, startedAt: s.info.startedAt,
                                 firstSession: s.info.configuration?.firstSession, turns: s.turns.count)]
                : s.info.shards
        }
        return RunReport(info: info, turns: shards.flatMap(\.turns), stages: shards.flatMap(\.stages))
    }

    /// Shards of one run share everything but their block of sessions: clock, network, scenario
    /// set, budget, configuration and each design's pipeline. Anything else is two runs.
    static func checkComparable(_ shards: [RunReport]) throws {
        let first = shards[0].info
        func refuse(_ what: String, _ a: String, _ b: String, _ other: RunInfo) -> InputError {
            InputError("cannot merge: \(first.runID) ran with \(what) \(a), \(other.runID) with \(b); shards must come from one run")
        }
        for shard in shards.dropFirst() {
            let info = shard.info
            for key in ["mode", "network", "scenarios"] where first.parameters[key] != info.parameters[key] {
                throw refuse(key, first.parameters[key] ?? "(none)", info.parameters[key] ?? "(none)", info)
            }
            if first.budget != info.budget {
                throw refuse("budget_ms", first.budget.map { Field.milliseconds($0) } ?? "(none)", info.budget.map { Field.milliseconds($0) } ?? "(none)", info)
            }
            if var a = first.configuration, var b = info.configuration {
                a.firstSession = 0; a.sessionCount = nil
                b.firstSession = 0; b.sessionCount = nil
                if a != b, let (key, x, y) = Self.firstDifference(a, b) { throw refuse(key, x, y, info) }
            } else if (first.configuration == nil) != (info.configuration == nil) {
                throw refuse("configuration", first.configuration == nil ? "(none)" : "one", info.configuration == nil ? "(none)" : "one", info)
            }
            for (design, digest) in info.pipelines {
                if let mine = first.pipelines[design], mine != digest {
                    throw InputError("cannot merge: design \(design) comes from two different pipelines (\(first.runID), \(info.runID)); give each its own name")
                }
            }
        }
    }

    /// Every design's sessions are covered from the first to the last, with no block missing:
    /// half the shards of a run are not the run.
    static func checkComplete(_ shards: [RunReport]) throws {
        guard shards.allSatisfy({ $0.info.configuration != nil }) else { return }
        let designs = Set(shards.flatMap(\.info.designs))
        for design in designs.sorted() {
            var blocks: [Range<Int>] = []
            var total = 0
            for shard in shards where shard.info.designs.contains(design) {
                let c = shard.info.configuration!
                let scenarioCount = shard.info.parameters["scenarios"].map { $0.split(separator: ",").count } ?? shard.info.scenarios.count
                total = scenarioCount * c.sessionsPerScenario
                blocks.append(c.firstSession..<(c.firstSession + (c.sessionCount ?? total)))
            }
            blocks.sort { $0.lowerBound < $1.lowerBound }
            var next = 0
            for block in blocks {
                if block.lowerBound > next {
                    throw InputError("cannot merge: design \(design) lacks sessions \(next)..<\(block.lowerBound) of \(total); give every shard of the run")
                }
                next = max(next, block.upperBound)
            }
            if next < total {
                throw InputError("cannot merge: design \(design) lacks sessions \(next)..<\(total) of \(total); give every shard of the run")
            }
        }
    }

    /// The first field, in key order, where two configurations differ, as run.json spells it.
    private static func firstDifference(_ a: RunInfo.Configuration, _ b: RunInfo.Configuration) -> (String, String, String)? {
        func fields(_ c: RunInfo.Configuration) -> [String: String] {
            let data = (try? JSONEncoder().encode(c)) ?? Data()
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            return object.mapValues { "\($0)" }
        }
        let x = fields(a), y = fields(b)
        return Set(x.keys).union(y.keys).sorted().lazy.compactMap { k in x[k] == y[k] ? nil : (k, x[k] ?? "(none)", y[k] ?? "(none)") }.first
    }
}
