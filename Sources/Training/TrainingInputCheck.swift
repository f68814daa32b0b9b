import AdaptiveNets
import Datasets
import Foundation

/// What `ranet train` checks before a run is created, so a refusal never leaves a run behind as "running".
public enum TrainingInputCheck {
    /// The data must fit the model (image size, classes) and hold at least one full batch of two or more classes.
    public static func check(
        train: Dataset, validation: Dataset, model: any EarlyExitNetwork, classes: Int, batchSize: Int
    ) throws {
        let expected = model.inputShape
        let found = [train.channels, train.height, train.width]
        // Photos kept at the resize side are cropped to the input size by the ImageNet augmentation.
        guard found == expected || (train.channels == expected[0] && train.isAtResizeSide(input: expected)) else {
            throw TrainingError.mismatch(
                "the dataset's images are \(found.map(String.init).joined(separator: "x")) (channels x height x "
                    + "width) but the model takes \(expected.map(String.init).joined(separator: "x")): "
                    + "choose a preset or config for this data")
        }
        guard train.classCount <= classes else {
            throw TrainingError.mismatch(
                "the dataset has \(train.classCount) classes but the model's exits predict \(classes)")
        }
        guard train.count >= batchSize else {
            throw TrainingError.invalidOptions(
                "--batch-size \(batchSize) is larger than the \(train.count) training images "
                    + "(lower --batch-size, --val-size, or raise --train-limit)")
        }
        let present = Set(train.labels).count
        guard present >= 2 else {
            throw TrainingError.mismatch(
                "the training images hold only \(present) class: a classifier needs at least two "
                    + "(is the data folder missing class subfolders?)")
        }
    }

    /// Creates the checkpoint directory, refusing a path that exists and is not a directory.
    public static func prepareCheckpointDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw TrainingError.invalidOptions("--checkpoint-dir \(path) exists and is not a directory")
            }
            return
        }
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw TrainingError.invalidOptions(
                "cannot create the checkpoint directory \(path): a part of it is a file or not writable")
        }
    }
}
