/// How the training loss curves are smoothed (`s` cycles); always computed on the full series.
public enum Smoothing: Int, CaseIterable, Hashable, Sendable {
    case off, ema, movingMean
    /// Label in the chart title and the progress panel.
    public var title: String {
        switch self {
        case .off: "off"
        case .ema: "EMA \(Self.emaAlpha)"
        case .movingMean: "mean of \(Self.meanWindow)"
        }
    }

    /// Weight of the newest loss in the EMA: its memory is about 1 / 0.1 = 10 logged steps, enough to calm the
    /// batch-to-batch noise while a loss spike still shows.
    static let emaAlpha = 0.1
    /// Logged steps the moving mean averages over: the same horizon as the EMA.
    static let meanWindow = 10

    /// The smoothed series (same length as `values`).
    func apply(_ values: [Double]) -> [Double] {
        switch self {
        case .off: values
        case .ema: exponentialMovingAverage(values, alpha: Self.emaAlpha)
        case .movingMean: slidingMean(values, window: Self.meanWindow)
        }
    }
}

/// The x axis of the training loss chart (`w` toggles).
public enum TrainingXAxis: Int, CaseIterable, Hashable, Sendable {
    case steps, wallTime
    /// Axis unit label.
    public var title: String {
        switch self {
        case .steps: "step"
        case .wallTime: "wall min"
        }
    }
}

/// Exponential moving average over the full series (smoothing before downsampling keeps it honest).
func exponentialMovingAverage(_ values: [Double], alpha: Double) -> [Double] {
    var result: [Double] = []
    result.reserveCapacity(values.count)
    var current: Double?
    for value in values {
        let next = current.map { $0 + alpha * (value - $0) } ?? value
        result.append(next)
        current = next
    }
    return result
}

/// Moving mean over the last `window` values (fewer at the start), computed in one pass.
func slidingMean(_ values: [Double], window: Int) -> [Double] {
    var result: [Double] = []
    result.reserveCapacity(values.count)
    var sum = 0.0
    for (index, value) in values.enumerated() {
        sum += value
        if index >= window { sum -= values[index - window] }
        result.append(sum / Double(min(index + 1, window)))
    }
    return result
}
