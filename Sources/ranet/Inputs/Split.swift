import ArgumentParser

/// A dataset split a command reads, or the split an evaluation is stored under.
enum Split: String, ExpressibleByArgument, CaseIterable { case val, test }

/// `ranet eval --split`: one split, or `both` (val, then test).
struct SplitChoice: ExpressibleByArgument {
    let splits: [Split]

    static let both = SplitChoice(splits: Split.allCases)

    init(splits: [Split]) { self.splits = splits }

    init?(argument: String) {
        if argument == "both" {
            self = .both
        } else if let split = Split(rawValue: argument) {
            splits = [split]
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] { Split.allCases.map(\.rawValue) + ["both"] }

    var defaultValueDescription: String { splits.count == 1 ? splits[0].rawValue : "both" }
}
