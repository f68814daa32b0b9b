import AdaptiveNets
import Datasets
import NeuralEngine

/// Checks that images fit a model before any work is done: refuse, do not resize (see
/// `InferenceError.inputShapeMismatch`).
enum InputCheck {
    /// Throws unless `dataset` holds at least one image of the model's (channels, height, width).
    static func check(_ dataset: Dataset, fits model: any EarlyExitNetwork, context: String) throws {
        try check(imageShape: [dataset.channels, dataset.height, dataset.width], fits: model, context: context)
        guard dataset.count > 0 else { throw InferenceError.invalidArgument("\(context): the dataset holds no images") }
        guard dataset.classCount == model.classes else {
            throw InferenceError.invalidArgument(
                "\(context): the dataset has \(dataset.classCount) classes but the "
                    + "model predicts \(model.classes)")
        }
    }

    /// Throws unless `images` is an NCHW batch of at least one image of the model's input shape.
    static func check(batch images: Tensor, fits model: any EarlyExitNetwork, context: String) throws {
        guard images.rank == 4, images.shape[0] >= 1 else {
            throw InferenceError.invalidArgument(
                "\(context): expected an NCHW batch of at least one image, got "
                    + "a tensor of shape \(images.shape)")
        }
        try check(imageShape: Array(images.shape.dropFirst()), fits: model, context: context)
    }

    static func check(imageShape: [Int], fits model: any EarlyExitNetwork, context: String) throws {
        guard imageShape == model.inputShape else {
            throw InferenceError.inputShapeMismatch(context: context, expected: model.inputShape, found: imageShape)
        }
    }

    /// Throws unless a count the caller chose (batch size, workers, repetitions) is at least 1.
    static func checkAtLeastOne(_ value: Int, _ name: String, context: String) throws {
        guard value >= 1 else {
            throw InferenceError.invalidArgument("\(context): \(name) must be at least 1, got \(value)")
        }
    }
}
