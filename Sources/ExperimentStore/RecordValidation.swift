import ExperimentRecords

// What the store checks before it writes a record; the record types themselves live in ExperimentRecords.

extension EvaluationRecord {
    /// Throws unless every per-exit array has the same, non-zero length.
    func validate() throws {
        guard exitCount > 0, exitParams.count == exitCount, exitAccuracy.count == exitCount else {
            throw StoreError.invalidRecord(
                "evaluation of run \(runID): exitFLOPs has \(exitFLOPs.count) values, exitParams "
                    + "\(exitParams.count), exitAccuracy \(exitAccuracy.count); they must be equal and non-zero")
        }
    }
}

extension SampleImage {
    func validate(sampleIndex: Int) throws {
        guard channels > 0, height > 0, width > 0, pixels.count == channels * height * width else {
            throw StoreError.invalidRecord(
                "sample \(sampleIndex): image \(channels)x\(height)x\(width) needs "
                    + "\(channels * height * width) pixels, got \(pixels.count)")
        }
    }
}

extension SampleRecord {
    func validate(exitCount: Int) throws {
        guard maxProb.count == exitCount, entropy.count == exitCount, margin.count == exitCount,
            predicted.count == exitCount
        else {
            throw StoreError.invalidRecord(
                "sample \(sampleIndex): expected \(exitCount) exits, got maxProb \(maxProb.count), entropy "
                    + "\(entropy.count), margin \(margin.count), predicted \(predicted.count)")
        }
        try image?.validate(sampleIndex: sampleIndex)
    }
}
