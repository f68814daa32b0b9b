import Foundation
import ExitPolicies

/// A finished run holding imported evaluations (val and test), their per-sample records and budget curves.
public struct LogitsImport: Sendable {
    public var runName: String
    public var architecture: String
    public var dataset: String
    public var splits: [ImportedSplit]
    public var flops: [Int64]
    public var params: [Int64]

    /// Checks that the splits agree with each other and with the FLOPs; computes the budget curves (needs val
    /// and test). Nothing is written yet.
    public init(
        runName: String, architecture: String, dataset: String, splits: [ImportedSplit], flops: [Int64],
        params: [Int64]
    ) {
        self.runName = runName
        self.architecture = architecture
        self.dataset = dataset
        self.splits = splits
        self.flops = flops
        self.params = params
    }

    public func budgetCurves() throws -> [BudgetedBatchCurve] {
        let exits = splits[0].outputs.exitCount
        for split in splits {
            guard split.outputs.exitCount == flops.count else {
                throw ImportError(
                    "\(split.path) has \(split.outputs.exitCount) exits but --flops gives \(flops.count) values")
            }
            guard split.outputs.exitCount == exits, split.outputs.classCount == splits[0].outputs.classCount else {
                throw ImportError(
                    "\(split.path) has \(split.outputs.exitCount) exits and \(split.outputs.classCount) classes, "
                        + "\(splits[0].path) has \(exits) and \(splits[0].outputs.classCount)")
            }
        }
        guard params.count == exits else { throw ImportError("--params has \(params.count) values for \(exits) exits") }
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
            throw ImportError("--flops: \(error)")
        }
    }
}

/// Parses `--flops`/`--params` lists: comma-separated numbers with an optional K, M or G suffix.
public enum CountList {
    public static func parse(_ text: String, option: String) throws -> [Int64] {
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
                throw ImportError("\(option): '\(item)' is not a count (examples: 15814410, 15.8M, 1.2e9)")
            }
            return Int64((value * scale).rounded())
        }
    }
}

/// A problem with imported outputs, labels or counts; the message names the file or option.
public struct ImportError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ message: String) { description = message }
}
