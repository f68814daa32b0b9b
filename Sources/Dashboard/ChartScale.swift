import Foundation

/// A linear scale from data values to dots or cells, widened to round tick values.
struct Scale {
    let low: Double
    let high: Double
    let step: Double

    init?(_ range: ClosedRange<Double>?) {
        guard let range, range.lowerBound.isFinite, range.upperBound.isFinite else { return nil }
        var low = range.lowerBound
        var high = range.upperBound
        if high - low < 1e-12 {
            // One distinct value: centre it in a range of sensible size instead of a zero-width one.
            let pad = max(1, abs(low) * 0.1)
            low -= pad
            high += pad
        }
        let step = Scale.niceStep((high - low) / 4)
        self.low = (low / step).rounded(.down) * step
        self.high = (high / step).rounded(.up) * step
        self.step = step
    }

    /// 1, 2 or 5 times a power of ten, close to `raw`.
    static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        return (fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10) * magnitude
    }

    func fraction(_ value: Double) -> Double { (value - low) / (high - low) }
    func dot(_ value: Double, dots: Int) -> Int {
        min(dots - 1, max(0, Int((fraction(value) * Double(dots - 1)).rounded())))
    }
    func cell(_ value: Double, cells: Int) -> Int { dot(value, dots: cells * 4) / 4 }

    /// Round values between low and high, about `count` of them.
    func ticks(count: Int) -> [Double] {
        var tickStep = step
        while (high - low) / tickStep > Double(count) + 0.5 { tickStep = Scale.niceStep(tickStep * 2.1) }
        let first = (low / tickStep).rounded(.up) * tickStep
        return stride(from: first, through: high + tickStep * 1e-9, by: tickStep).map { $0 }
    }
}

/// A tick label with as many decimals as the step needs; thousands as "k".
func formatTick(_ value: Double, step: Double) -> String {
    if abs(value) >= 10_000 { return String(format: "%.0fk", value / 1000) }
    let decimals = max(0, min(4, Int((-log10(step)).rounded(.up))))
    let text = String(format: "%.\(decimals)f", value)
    return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
}
