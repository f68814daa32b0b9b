import SeededRandom

/// A training set with a validation set held out of it, reproducible from `(size, seed)`.
public struct TrainValidationSplit: Sendable {
    /// The images left for training, in their original file order.
    public let train: Dataset
    /// The held-out images, in their original file order.
    public let validation: Dataset
    /// Indices (into the dataset that was split) of the validation images, ascending: worth recording in a run.
    public let validationIndices: [Int]
}

extension Dataset {
    /// Default number of training images held out for validation, as the paper's setup.
    public static let defaultValidationSize = 5000

    /// Holds out `validationSize` images chosen by a seeded permutation; the rest stay for training.
    /// Both halves keep the original order, so `train.prefix(n)` (the `--train-limit` cut) is also reproducible.
    public func splittingValidation(
        size validationSize: Int = Dataset.defaultValidationSize,
        seed: UInt64 = 0
    ) throws -> TrainValidationSplit {
        guard validationSize >= 0, validationSize < count else {
            throw DatasetError.invalidArgument(
                "validation size \(validationSize) must be in 0..<\(count) (the training set has \(count) images)")
        }
        let permutation = seededPermutation(count: count, seed: SplitMix64.mix(seed, 0x5641_4C49_4441_5445))
        var isValidation = [Bool](repeating: false, count: count)
        for index in permutation.prefix(validationSize) { isValidation[index] = true }
        let validationIndices = (0..<count).filter { isValidation[$0] }
        let trainIndices = (0..<count).filter { !isValidation[$0] }
        return TrainValidationSplit(
            train: subset(trainIndices), validation: subset(validationIndices),
            validationIndices: validationIndices)
    }
}
