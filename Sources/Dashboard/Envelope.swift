/// The best accuracy reachable at each cost over several runs: the paper's "best model for each budget" curves.
enum Envelope {
    /// The points no other point beats: none cheaper-or-equal with a higher accuracy. Sorted by cost, so a line
    /// through them only rises.
    static func upper(xs: [Double], ys: [Double]) -> (xs: [Double], ys: [Double]) {
        let points = zip(xs, ys).filter { $0.0.isFinite && $0.1.isFinite }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 > $1.1 }
        var result: (xs: [Double], ys: [Double]) = ([], [])
        for (x, y) in points where y > (result.ys.last ?? -.infinity) {
            result.xs.append(x)
            result.ys.append(y)
        }
        return result
    }

    /// One envelope per architecture over the runs' exits and stored budget curves (accuracy in %), in
    /// architecture-name order.
    static func series(over runs: [RunDetail]) -> [ChartSeries] {
        let byArchitecture = Dictionary(grouping: runs.filter { !$0.exits.isEmpty }) { $0.run.architecture }
        return byArchitecture.keys.sorted().enumerated().map { index, architecture in
            let details = byArchitecture[architecture] ?? []
            let xs = details.flatMap { $0.exits.map(\.cumulativeMFLOPs) + $0.budgetCurve.map(\.expectedMFLOPs) }
            let ys = details.flatMap { $0.exits.map { $0.accuracy * 100 } + $0.budgetCurve.map { $0.accuracy * 100 } }
            let best = upper(xs: xs, ys: ys)
            return ChartSeries(
                label:
                    "best \(architecture) (\(details.count) run\(details.count == 1 ? "" : "s"))",
                color: colors[index % colors.count], xs: best.xs, ys: best.ys)
        }
    }

    /// Envelope colours, one per architecture; chosen apart from the run overlays' first colours.
    static let colors: [ColorRole] = [.bad, .easy, .hard, .good]
}
