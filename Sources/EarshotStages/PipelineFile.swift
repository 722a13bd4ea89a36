import EarshotAudio
import EarshotCore
import EarshotWire
import Foundation
import Yams

/// Reads a pipeline (a design under test) from YAML: a preset shipped with Earshot, by name, or a
/// user's file, by path.
///
///     name: cascade-cloud
///     description: Cloud STT, LLM and TTS behind an 800 ms silence endpointer.
///     stages:
///       - stage: delay            # a registered stage name (`earshot stages` lists them)
///         id: stt                 # optional: the name reports give it (default: the stage name)
///         delay: {lognormal_ms: {median: 300, sigma: 0.4}}
///         source: "Where the figures come from, or 'assumed'"
///       - parallel:               # branches that each get every frame; their output merges
///           - [{stage: pass-through}]
///           - [{stage: pass-through}]
///
/// Unknown stage names, unknown keys, wrong types and out-of-range values are `InputError`s
/// carrying the file and line.
public struct PipelineFile: Sendable {
    public var pipeline: Pipeline
    public var description: String
    /// Each stage's `source:` note, by stage id, where it has one.
    public var sources: [String: String]
    /// What each stage is told beyond the audio (`StageDescriptor.knowledge`), by stage id, where
    /// it is told something.
    public var knowledge: [String: String] = [:]
    /// Names this pipeline's text and overrides (FNV-1a, 64 bits, hex): two runs of one design name
    /// from different pipelines are told apart by it.
    public var digest: String
    /// Stages in it that need the real-time clock (`StageDescriptor.needsRealTime`), by name.
    public var realTimeOnly: [String] = []

    static func digest(_ yaml: String, overrides: [String: String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let text = yaml + overrides.sorted { $0.key < $1.key }.map { "\u{0}\($0.key)=\($0.value)" }.joined()
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    static let topKeys = ["name", "description", "stages"]
    static let entryKeys = ["stage", "id", "source"]

    /// Loads a preset by name, or a file when `nameOrPath` names one (or ends in .yaml/.yml).
    /// `overrides` sets a parameter on every stage that declares it, over what the file says
    /// (`["network": "4g"]` puts both transport legs on 4G); values are checked like YAML values.
    public static func load(_ nameOrPath: String, registry: StageRegistry = .shared,
                            overrides: [String: String] = [:]) throws -> PipelineFile {
        let isPath = nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") || nameOrPath.contains("/")
        if isPath || FileManager.default.fileExists(atPath: nameOrPath) {
            let url = URL(fileURLWithPath: nameOrPath)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw InputError(file: nameOrPath, "cannot read the pipeline file (no such file, or not UTF-8 text)")
            }
            return try parse(text, file: nameOrPath, registry: registry, overrides: overrides)
        }
        guard let url = Presets.url(named: nameOrPath) else {
            throw InputError("unknown pipeline '\(nameOrPath)' (presets: \(Presets.names.joined(separator: ", ")); or give a .yaml file)")
        }
        return try parse(try String(contentsOf: url, encoding: .utf8), file: "Presets/\(nameOrPath).yaml", registry: registry,
                         overrides: overrides)
    }

    public static func parse(_ yaml: String, file: String, registry: StageRegistry = .shared,
                             overrides: [String: String] = [:]) throws -> PipelineFile {
        guard let root = try YAMLFields.compose(yaml, file: file) else {
            throw InputError(file: file, line: 1, "empty pipeline (expected keys: \(topKeys.joined(separator: ", ")))")
        }
        let top = try YAMLFields(root, file: file, what: "the pipeline", allowed: topKeys)
        let name = try top.text("name")
        let description = try top.optionalText("description")?.value ?? ""
        let list = try top.sequence("stages")
        guard !list.value.isEmpty else { throw InputError(file: file, line: list.line, "stages must list at least one stage") }
        var sources: [String: String] = [:], knowledge: [String: String] = [:]
        var realTimeOnly: [String] = []
        var steps: [Pipeline.Step] = []
        for node in list.value {
            if let mapping = node.mapping, mapping.count == 1, mapping.first?.key.scalar?.string == "parallel" {
                let line = node.mark?.line ?? list.line
                guard let branches = mapping.first?.value.sequence, !branches.isEmpty else {
                    throw InputError(file: file, line: line, "parallel must be a list of branches, each a list of stages")
                }
                var specs: [[StageSpec]] = []
                for branch in branches {
                    guard let entries = branch.sequence, !entries.isEmpty else {
                        throw InputError(file: file, line: branch.mark?.line ?? line, "a parallel branch must be a non-empty list of stages")
                    }
                    specs.append(try entries.map { try stage($0, file: file, registry: registry, overrides: overrides, sources: &sources, knowledge: &knowledge, realTimeOnly: &realTimeOnly) })
                }
                steps.append(.parallel(specs))
            } else {
                steps.append(.stage(try stage(node, file: file, registry: registry, overrides: overrides, sources: &sources, knowledge: &knowledge, realTimeOnly: &realTimeOnly)))
            }
        }
        return PipelineFile(pipeline: Pipeline(name: name.value, steps: steps), description: description, sources: sources,
                            knowledge: knowledge, digest: digest(yaml, overrides: overrides), realTimeOnly: realTimeOnly)
    }

    private static func stage(_ node: Node, file: String, registry: StageRegistry, overrides: [String: String],
                              sources: inout [String: String], knowledge: inout [String: String], realTimeOnly: inout [String]) throws -> StageSpec {
        let line = node.mark?.line ?? 1
        guard let mapping = node.mapping, let nameNode = mapping["stage"], let name = nameNode.scalar?.string else {
            throw InputError(file: file, line: line, "a stage entry needs 'stage: NAME' (or 'parallel:')")
        }
        guard let descriptor = registry.descriptor(named: name) else {
            let known = registry.all.map(\.name).joined(separator: ", ")
            throw InputError(file: file, line: nameNode.mark?.line ?? line, "unknown stage \"\(name)\" (known: \(known))")
        }
        let allowed = entryKeys + descriptor.parameters.map(\.name)
        let fields = try YAMLFields(node, file: file, what: "stage '\(name)'", allowed: allowed)
        let id = try fields.optionalText("id")?.value ?? name
        if descriptor.needsRealTime { realTimeOnly.append(name) }
        if let source = try fields.optionalText("source") { sources[id] = source.value }
        var values: [String: StageArgument] = [:]
        for p in descriptor.parameters {
            if let value = overrides[p.name] {
                do {
                    values[p.name] = try argument(.scalar(.init(value)), for: p, line: 0, file: "", stage: name)
                } catch let error as InputError {
                    throw InputError("--\(p.name.replacingOccurrences(of: "_", with: "-")) \(value): \(error.message)")
                }
            } else if fields.has(p.name) {
                values[p.name] = try argument(fields.value(p.name), for: p, line: fields.line(of: p.name), file: file, stage: name)
            } else if let d = p.defaultValue {
                values[p.name] = d
            } else {
                throw InputError(file: file, line: fields.line, "stage '\(name)' is missing parameter '\(p.name)' (\(p.help))")
            }
        }
        let args = StageArguments(values)
        if let told = descriptor.knowledge(args) { knowledge[id] = told }
        // Make one now so a factory's own complaint (an engine that will not start) surfaces at load time.
        do {
            _ = try descriptor.make(args)
        } catch let error as InputError where error.file == nil {
            // A factory cannot know where its arguments came from; the loader does.
            throw InputError(file: file, line: fields.line, "stage '\(name)': \(error.message)")
        }
        let conversion: SourceConversion? = descriptor.lineRate.map { .line(at: $0(args)) }
        let executors: (@Sendable () -> [any Executor])? = descriptor.runsOnEventLoops ? { @Sendable in EventLoopExecutor.all() } : nil
        return StageSpec(id, sourceConversion: conversion, executors: executors) { try descriptor.make(args) }
    }

    static func argument(_ node: Node, for p: StageParameter, line: Int, file: String, stage: String) throws -> StageArgument {
        func fail(_ expected: String) -> InputError {
            InputError(file: file, line: line, "\(stage).\(p.name) must be \(expected), got \(YAMLFields.describe(node))")
        }
        switch p.kind {
        case .milliseconds, .number, .integer:
            guard let x = number(node) else { throw fail(p.kind == .integer ? "a whole number" : "a number") }
            if p.kind == .integer && x != x.rounded() { throw fail("a whole number") }
            if let r = p.range, !r.contains(x) {
                throw InputError(file: file, line: line, "\(stage).\(p.name) must be within \(r.lowerBound)...\(r.upperBound), got \(x)")
            }
            if p.kind == .integer && abs(x) > 9_007_199_254_740_992 { throw fail("a whole number within ±2^53") }
            if p.kind == .milliseconds && Duration.milliseconds(checked: x) == nil { throw fail(InputLimits.rule) }
            return .number(x)
        case .text:
            guard let s = node.scalar?.string, !YAMLFields.isNull(node) else { throw fail("text") }
            if let choices = p.choices, !choices.contains(s) {
                throw InputError(file: file, line: line, "\(stage).\(p.name) must be one of: \(choices.joined(separator: ", ")); got '\(s)'")
            }
            return .text(s)
        case .bool:
            guard let s = node.scalar?.string, node.scalar?.style == .plain, let b = ["true": true, "false": false][s] else { throw fail("true or false") }
            return .bool(b)
        case .distribution:
            return .distribution(try distribution(node, line: line, file: file, what: "\(stage).\(p.name)"))
        case .map:
            if YAMLFields.isNull(node) { return .map([]) }
            guard let mapping = node.mapping else { throw fail("a mapping of names to text, e.g. {NAME: VALUE}") }
            return .map(try mapping.map { key, value in
                guard let name = key.scalar?.string, !YAMLFields.isNull(key) else {
                    throw InputError(file: file, line: key.mark?.line ?? line, "\(stage).\(p.name): each name must be text, got \(YAMLFields.describe(key))")
                }
                guard let text = value.scalar?.string, !YAMLFields.isNull(value) else {
                    throw InputError(file: file, line: value.mark?.line ?? line,
                                     "\(stage).\(p.name).\(name) must be text, got \(YAMLFields.describe(value))")
                }
                return StageArgument.Entry(name, text)
            })
        }
    }

    /// A plain number (an integer or a decimal), not a quoted string.
    static func number(_ node: Node) -> Double? {
        guard let scalar = node.scalar, scalar.style == .plain, let x = Double(scalar.string), x.isFinite else { return nil }
        return x
    }

    /// `150` (fixed ms), `{fixed_ms: 150}`, `{uniform_ms: [40, 90]}`, `{normal_ms: {mean: 300, sd: 80}}`,
    /// `{lognormal_ms: {median: 350, sigma: 0.5}}`, `{empirical_ms: [120, 135, 180]}`.
    static func distribution(_ node: Node, line: Int, file: String, what: String) throws -> DelayDistribution {
        func ms(_ x: Double) throws -> Duration {
            guard let d = Duration.milliseconds(checked: x) else {
                throw InputError(file: file, line: line, "\(what): every figure must be \(InputLimits.rule), got \(x)")
            }
            return d
        }
        let expected = "a number of ms or one of {fixed_ms: X}, {uniform_ms: [LO, HI]}, {normal_ms: {mean: M, sd: S}}, {lognormal_ms: {median: M, sigma: S}}, {empirical_ms: [X, ...]}"
        let bad = InputError(file: file, line: line, "\(what) must be \(expected); got \(YAMLFields.describe(node))")
        if let x = number(node) {
            guard x >= 0 else { throw InputError(file: file, line: line, "\(what) must not be negative, got \(x)") }
            return .fixed(try ms(x))
        }
        guard let mapping = node.mapping, mapping.count == 1, let (k, v) = mapping.first.map({ ($0.key.scalar?.string ?? "", $0.value) }) else { throw bad }
        func numbers(_ n: Node) -> [Double]? { n.sequence.map { $0.compactMap(number) }.flatMap { $0.count == n.sequence!.count ? $0 : nil } }
        switch k {
        case "fixed_ms":
            guard let x = number(v), x >= 0 else { throw bad }
            return .fixed(try ms(x))
        case "uniform_ms":
            guard let xs = numbers(v), xs.count == 2, xs[0] >= 0, xs[0] <= xs[1] else {
                throw InputError(file: file, line: line, "\(what): uniform_ms is [LOW, HIGH] with 0 <= LOW <= HIGH")
            }
            return .uniform(try ms(xs[0]), try ms(xs[1]))
        case "normal_ms":
            let f = try YAMLFields(v, file: file, what: "\(what).normal_ms", allowed: ["mean", "sd"])
            guard let m = number(try f.value("mean")), let sd = number(try f.value("sd")), sd >= 0 else {
                throw InputError(file: file, line: line, "\(what): normal_ms needs mean and sd (ms, sd >= 0)")
            }
            return .normal(mean: try ms(m), standardDeviation: try ms(sd))
        case "lognormal_ms":
            let f = try YAMLFields(v, file: file, what: "\(what).lognormal_ms", allowed: ["median", "sigma"])
            guard let m = number(try f.value("median")), m > 0, let s = number(try f.value("sigma")), s >= 0 else {
                throw InputError(file: file, line: line, "\(what): lognormal_ms needs median (ms, > 0) and sigma (>= 0)")
            }
            return .logNormal(median: try ms(m), sigma: s)
        case "empirical_ms":
            guard let xs = numbers(v), !xs.isEmpty, xs.allSatisfy({ $0 >= 0 }) else {
                throw InputError(file: file, line: line, "\(what): empirical_ms is a non-empty list of delays in ms")
            }
            return .empirical(try xs.map(ms))
        default:
            throw bad
        }
    }
}
