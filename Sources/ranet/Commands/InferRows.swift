import Datasets
import ExitPolicies

/// What every `ranet infer` mode says of one image (its name, exit, predicted class and confidence, and its label when
/// the images have labels), as a JSON row and as the leading columns of a table row.
struct InferRows {
    let names: [String]
    let dataset: Dataset
    let hasLabels: Bool
    /// Columns the image names are padded to: the longest name's.
    let nameWidth: Int

    /// Columns the class name is padded to.
    static let classWidth = 18

    init(names: [String], dataset: Dataset, hasLabels: Bool) {
        self.names = names
        self.dataset = dataset
        self.hasLabels = hasLabels
        nameWidth = max(5, names.map(\.count).max() ?? 5)
    }

    /// The JSON row of image `index` with the mode's own `extra` keys.
    func json(_ index: Int, exit: Int, statistics s: SampleExitStatistics, extra: [String: Any] = [:]) -> [String: Any]
    {
        var row: [String: Any] = [
            "image": names[index], "exit": exit, "class": Int(s.predicted),
            "className": dataset.classNames[Int(s.predicted)], "confidence": Double(s.maxProb),
        ]
        if hasLabels { row["label"] = Int(dataset.labels[index]) }
        return row.merging(extra) { _, mode in mode }
    }

    /// The header of a table whose rows `line` starts, with the mode's own `lastColumns`.
    func header(_ lastColumns: String) -> String {
        "image".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  exit  class               confidence"
            + lastColumns
    }

    /// Image `index`'s name, exit, class and confidence, then the mode's own `rest`.
    func line(_ index: Int, exit: Int, statistics s: SampleExitStatistics, rest: String) -> String {
        let className = "\(s.predicted) \(dataset.classNames[Int(s.predicted)])"
        return names[index].padding(toLength: nameWidth, withPad: " ", startingAt: 0) + String(format: "  %4d  ", exit)
            + className.padding(toLength: Self.classWidth, withPad: " ", startingAt: 0)
            + String(format: "  %10.4f", s.maxProb) + rest
    }
}
