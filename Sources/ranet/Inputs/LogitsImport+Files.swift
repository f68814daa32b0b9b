import ExitPolicies
import ExperimentRecords
import ExperimentStore
import Foundation
import NumericArrays
import OutputsImport

extension ImportedSplit {
    /// Reads `path` ([exits, samples, classes]) and its labels ([samples] integers), checking every shape and value.
    static func load(
        name: String, path: String, labelsPath: String?, labelsOption: String, kind: Kind
    ) throws -> ImportedSplit {
        let contents = try OutputsFile.read(path)
        _ = try checkOutputs(contents.outputs)
        let labels = try OutputsFile.labels(for: path, contents: contents, explicit: labelsPath, option: labelsOption)
        return try ImportedSplit(
            name: name, path: URL(fileURLWithPath: path).standardizedFileURL.path, outputs: contents.outputs,
            labels: labels, declaredKind: contents.declaredKind, metadata: contents.metadata, kind: kind)
    }
}

extension LogitsImport {
    /// Writes the evaluations, samples and curves into the existing run `existing` (checked by the caller), or into
    /// a new run; on any failure what was written is removed again.
    func write(
        to store: ExperimentStore, curves: [BudgetedBatchCurve], existing: Int64? = nil
    ) throws -> (runID: Int64, evaluations: [String: Int64]) {
        if let existing { return try writeEvaluations(to: store, curves: curves, runID: existing, newRun: false) }
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
        return try writeEvaluations(to: store, curves: curves, runID: runID, newRun: true)
    }

    private func writeEvaluations(
        to store: ExperimentStore, curves: [BudgetedBatchCurve], runID: Int64, newRun: Bool
    ) throws -> (runID: Int64, evaluations: [String: Int64]) {
        var ids: [String: Int64] = [:]
        do {
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
            if newRun { try store.setStatus(.finished, runID: runID) }
            return (runID, ids)
        } catch {
            if newRun {
                _ = try? store.deleteRun(id: runID)
            } else {
                for id in ids.values { _ = try? store.deleteEvaluation(id: id) }
            }
            throw error
        }
    }
}
