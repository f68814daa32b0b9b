import ExitPolicies
import ExperimentRecords
import ExperimentStore

extension EvaluationWriter {
    /// Per-sample records written per store call: one transaction each, so a big split is neither one huge
    /// transaction nor one per sample.
    static let sampleChunkSize = 2000

    /// Stores an evaluation record and one per-sample record for every sample of `outputs` (in chunks of
    /// `sampleChunkSize` rows); `image(i)` gives sample i's thumbnail or nil. Shared by `ranet eval` and
    /// `ranet import-logits`.
    static func store(
        _ outputs: ExitOutputs, record: EvaluationRecord, store: ExperimentStore,
        image: (Int) -> SampleImage?
    ) throws -> Int64 {
        let id = try store.addEvaluation(record)
        let exits = outputs.exitCount
        let count = outputs.sampleCount
        var chunk: [SampleRecord] = []
        for sample in 0..<count {
            let offsets = (0..<exits).map { $0 * count + sample }
            chunk.append(
                SampleRecord(
                    sampleIndex: sample, label: outputs.labels[sample],
                    maxProb: offsets.map { outputs.maxProb[$0] }, entropy: offsets.map { outputs.entropy[$0] },
                    margin: outputs.hasMargins ? offsets.map { outputs.margin[$0] } : offsets.map { _ in 0 },
                    predicted: offsets.map { outputs.predicted[$0] }, image: image(sample)))
            if chunk.count == sampleChunkSize {
                try store.appendSamples(evaluationID: id, chunk)
                chunk.removeAll()
            }
        }
        if !chunk.isEmpty { try store.appendSamples(evaluationID: id, chunk) }
        return id
    }
}
