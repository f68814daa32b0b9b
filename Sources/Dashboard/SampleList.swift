import ExperimentRecords
/// One sample as the samples view lists it: where it leaves under the current thresholds and how sure it is there.
struct SampleRow: Hashable {
    /// Position in the run's `samples`.
    let offset: Int
    let exit: Int
    let confidence: Double
    let predicted: Int
    let correct: Bool
}

/// Filtering and sorting of the samples view, shared by the reducer (cursor bounds) and the renderer.
enum SampleList {
    /// The samples passing the filters, grouped by exit (easy first) and sorted by confidence within each exit.
    static func visible(_ state: DashboardState) -> [SampleRow] {
        guard let detail = state.focusedDetail, let result = state.budgetResult,
            result.exitOfSample.count == detail.samples.count
        else { return [] }
        let settings = state.samples
        var rows: [SampleRow] = []
        rows.reserveCapacity(detail.samples.count)
        for (offset, sample) in detail.samples.enumerated() {
            let exit = result.exitOfSample[offset]
            let predicted = exit < sample.predicted.count ? Int(sample.predicted[exit]) : -1
            let confidence = exit < sample.maxProb.count ? Double(sample.maxProb[exit]) : 0
            let row = SampleRow(
                offset: offset, exit: exit, confidence: confidence, predicted: predicted,
                correct: predicted == Int(sample.label))
            if let exitFilter = settings.exitFilter, exit != exitFilter { continue }
            if let classFilter = settings.classFilter, Int(sample.label) != classFilter { continue }
            if settings.correctness == .correct && !row.correct { continue }
            if settings.correctness == .wrong && row.correct { continue }
            rows.append(row)
        }
        let descending = settings.sortDescending
        return rows.sorted { left, right in
            if left.exit != right.exit { return left.exit < right.exit }
            if left.confidence != right.confidence {
                return descending ? left.confidence > right.confidence : left.confidence < right.confidence
            }
            return left.offset < right.offset
        }
    }

    /// "Overthinking": right at some earlier exit but wrong at the last one.
    static func overthinks(_ sample: SampleRecord) -> Bool {
        guard let last = sample.predicted.last, last != sample.label else { return false }
        return sample.predicted.dropLast().contains(sample.label)
    }
}
