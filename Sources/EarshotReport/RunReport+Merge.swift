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
        if var c = info.configuration {
            let configurations = shards.compactMap(\.info.configuration)
            c.firstSession = configurations.map(\.firstSession).min() ?? c.firstSession
            c.sessionsPerScenario = configurations.map(\.sessionsPerScenario).reduce(0, +)
            info.configuration = c
        }
        // Only settings every shard shares describe the merged run (a shard index does not).
        info.parameters = info.parameters.filter { key, value in shards.allSatisfy { $0.info.parameters[key] == value } }
        info.harness = [:]
        for shard in shards {
            for (design, h) in shard.info.harness {
                if info.harness[design] == nil { info.harness[design] = h } else { info.harness[design]!.merge(h) }
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
}
