import ExitPolicies
import ExperimentStore
import Foundation

/// Per-exit outputs of an external model on one split, checked and turned into the statistics the store keeps.
struct ImportedSplit {
    /// "val" or "test" (the split names `ranet eval` uses, so the dashboard finds them).
    let name: String
    let path: String
    let outputs: ExitOutputs
    /// "logits" or "probabilities", as read or detected.
    let kind: String
    let metadata: [String: String]

    /// How to read the values: say so, or let the file or the values decide.
    enum Kind: String, CaseIterable { case auto, logits, probabilities }

    /// Reads `path` ([exits, samples, classes]) and its labels ([samples] integers), checking every shape and value.
    static func load(
        name: String, path: String, labelsPath: String?, labelsOption: String, kind: Kind
    ) throws -> ImportedSplit {
        let contents = try OutputsFile.read(path)
        let array = contents.outputs
        guard array.shape.count == 3, array.shape.allSatisfy({ $0 > 0 }) else {
            throw CLIError("\(array.source): shape \(array.shape); expected [exits, samples, classes], all non-zero")
        }
        let (exits, samples, classes) = (array.shape[0], array.shape[1], array.shape[2])
        if let bad = array.values.firstIndex(where: { !$0.isFinite }) {
            throw CLIError(
                "\(array.source): value at exit \(bad / (samples * classes)), sample \((bad / classes) % samples), "
                    + "class \(bad % classes) is \(array.values[bad]) (NaN or infinite); nothing was imported")
        }
        let labelArray = try OutputsFile.labels(
            for: path, contents: contents, explicit: labelsPath, option: labelsOption)
        let labelCount = labelArray.shape.reduce(1, *)
        guard labelArray.shape == [samples] || labelArray.shape == [samples, 1] else {
            throw CLIError(
                "\(labelArray.source): labels have shape \(labelArray.shape), \(array.source) has \(samples) samples; "
                    + "expected [\(samples)]")
        }
        let labels = try labelArray.values.prefix(labelCount).enumerated().map { index, value -> Int32 in
            guard value == value.rounded(), value >= 0, value < Float(classes) else {
                throw CLIError(
                    "\(labelArray.source): label of sample \(index) is \(value); expected an integer class in 0..<\(classes)"
                )
            }
            return Int32(value)
        }
        let resolved = try resolveKind(
            kind, declared: contents.declaredKind, values: array.values, classes: classes, source: array.source)
        do {
            let outputs =
                resolved == "logits"
                ? try ExitOutputs(
                    logits: array.values, exitCount: exits, sampleCount: samples, classCount: classes, labels: labels)
                : try ExitOutputs(
                    probabilities: array.values, exitCount: exits, sampleCount: samples, classCount: classes,
                    labels: labels)
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            return ImportedSplit(
                name: name, path: absolute, outputs: outputs, kind: resolved, metadata: contents.metadata)
        } catch {
            throw CLIError("\(array.source): \(error)")
        }
    }

    /// Probabilities when told, declared by the file, or when every row is a distribution (values in [0, 1]
    /// summing to 1 within 1e-3); logits otherwise.
    static func resolveKind(
        _ kind: Kind, declared: String?, values: [Float], classes: Int, source: String
    ) throws -> String {
        if kind != .auto { return kind.rawValue }
        if let declared {
            guard declared == "logits" || declared == "probabilities" else {
                throw CLIError("\(source): metadata kind '\(declared)' is neither logits nor probabilities")
            }
            return declared
        }
        let rows = values.count / classes
        let distributions =
            values.allSatisfy { $0 >= 0 && $0 <= 1 }
            && (0..<rows).allSatisfy { row in
                abs(values[row * classes..<(row + 1) * classes].reduce(0.0) { $0 + Double($1) } - 1) <= 1e-3
            }
        return distributions ? "probabilities" : "logits"
    }
}

/// Parses `--flops`/`--params` lists: comma-separated numbers with an optional K, M or G suffix.
enum CountList {
    static func parse(_ text: String, option: String) throws -> [Int64] {
        try text.split(separator: ",").map { raw in
            let item = raw.trimmingCharacters(in: .whitespaces)
            let scale: Double =
                switch item.last {
                case "K", "k": 1e3
                case "M", "m": 1e6
                case "G", "g": 1e9
                default: 1
                }
            let number = scale == 1 ? item : String(item.dropLast())
            guard let value = Double(number), value.isFinite, value >= 0, value * scale < 9e18 else {
                throw CLIError("\(option): '\(item)' is not a count (examples: 15814410, 15.8M, 1.2e9)")
            }
            return Int64((value * scale).rounded())
        }
    }
}

/// A finished run holding imported evaluations (val and test), their per-sample records and budget curves.
struct LogitsImport {
    var runName: String
    var architecture: String
    var dataset: String
    var splits: [ImportedSplit]
    var flops: [Int64]
    var params: [Int64]

    /// Checks that the splits agree with each other and with the FLOPs; computes the budget curves (needs val
    /// and test). Nothing is written yet.
    func budgetCurves() throws -> [BudgetedBatchCurve] {
        let exits = splits[0].outputs.exitCount
        for split in splits {
            guard split.outputs.exitCount == flops.count else {
                throw CLIError(
                    "\(split.path) has \(split.outputs.exitCount) exits but --flops gives \(flops.count) values")
            }
            guard split.outputs.exitCount == exits, split.outputs.classCount == splits[0].outputs.classCount else {
                throw CLIError(
                    "\(split.path) has \(split.outputs.exitCount) exits and \(split.outputs.classCount) classes, "
                        + "\(splits[0].path) has \(exits) and \(splits[0].outputs.classCount)")
            }
        }
        guard params.count == exits else { throw CLIError("--params has \(params.count) values for \(exits) exits") }
        do {
            try splits[0].outputs.validate(cumulativeFlops: flops)
            guard let val = splits.first(where: { $0.name == "val" }),
                let test = splits.first(where: { $0.name == "test" })
            else {
                return []
            }
            return try ExitPolicy.allCases.map { policy in
                try BudgetedBatch(validation: val.outputs, test: test.outputs, policy: policy, cumulativeFlops: flops)
                    .curve()
            }
        } catch let error as ExitPolicyError {
            throw CLIError("--flops: \(error)")
        }
    }

    /// Writes the run, its evaluations, samples and curves; on any failure the half-written run is removed.
    func write(
        to store: ExperimentStore, curves: [BudgetedBatchCurve]
    ) throws -> (runID: Int64, evaluations: [String: Int64]) {
        let size = { (name: String) in splits.first { $0.name == name }?.outputs.sampleCount ?? 0 }
        let config: [String: Any] = [
            "source": "ranet import-logits", "exits": flops.count, "classes": splits[0].outputs.classCount,
            "files": Dictionary(uniqueKeysWithValues: splits.map { ($0.name, $0.path) }),
            "kind": Dictionary(uniqueKeysWithValues: splits.map { ($0.name, $0.kind) }),
        ]
        let configJSON = String(
            decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self)
        let runID = try store.createRun(
            RunRecord(
                name: runName, architecture: architecture, configJSON: configJSON, dataset: dataset,
                validationSize: size("val"), testSize: size("test"), status: .running,
                notes: "imported logits: " + splits.map { "\($0.name)=\($0.path)" }.joined(separator: " ")))
        do {
            var ids: [String: Int64] = [:]
            for split in splits {
                let record = EvaluationRecord(
                    runID: runID, checkpointPath: split.path, split: split.name, exitFLOPs: flops,
                    exitParams: params, exitAccuracy: split.outputs.exitAccuracies.map(Float.init))
                ids[split.name] = try EvaluationWriter.store(split.outputs, record: record, store: store) { _ in nil }
            }
            if let testID = ids["test"] {
                for curve in curves {
                    try EvaluationWriter.storeCurve(curve, evaluationID: testID, exitCount: flops.count, store: store)
                }
            }
            try store.setStatus(.finished, runID: runID)
            return (runID, ids)
        } catch {
            _ = try? store.deleteRun(id: runID)
            throw error
        }
    }
}
