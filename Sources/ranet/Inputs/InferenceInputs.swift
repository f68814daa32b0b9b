import ArgumentParser
import Datasets
import Foundation

/// Which images `infer` and `bench-exit` run on when they come from a dataset.
struct DataOptions: ParsableArguments {
    @OptionGroup var source: DataSourceOptions
    var dataset: DatasetKind? { source.dataset }
    var dataRoot: String? { source.dataRoot }
    @Option(help: "val (the run's held-out validation images) or test.")
    var split: Split = .test
    @Option(help: "Use only the first N images of the split.")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
    }
}

/// Images fitted to a model's input: channels converted (grey <-> RGB), sizes checked (resized only when asked).
///
/// Grey images given to an RGB model are replicated into three channels; RGB given to a grey model become ITU-R 601
/// luma (what PIL's `convert("L")` computes); an alpha channel is dropped. An image file whose height or width
/// differs from the model's input is refused with its path and both sizes unless `--fit` asks for the reference's
/// evaluation resize and centre crop: silently resizing could feed the model numbers unlike anything it was trained
/// on.
enum InferenceInputs {
    /// A dataset split for a run's model, converted to the model's channels; says on stderr when it converts.
    static func dataset(_ options: DataOptions, loaded: RunModel, note: (String) -> Void) throws -> (Dataset, String) {
        let settings = loaded.settings
        let channels = loaded.model.inputShape[0]
        let kind = options.dataset ?? settings.dataset
        let sameData = kind == settings.dataset && (options.dataRoot == nil || options.dataRoot == settings.dataRoot)
        var data: Dataset
        if sameData {
            data = options.split == .val ? try loaded.validationData() : try loaded.testData()
        } else {
            let root = options.dataRoot
            let input = loaded.model.inputShape
            let size = (input[1], input[2])
            if options.split == .val {
                data = try kind.load(.train, root: root, channels: channels, input: size)
                    .splittingValidation(size: settings.validationSize, seed: settings.options.seed).validation
                    .evaluationCrop(input: input)
            } else {
                let classNames = kind == .folder ? try Dataset.imageFolderClasses(root: root) : nil
                data = try kind.load(.test, root: root, channels: channels, classNames: classNames, input: size)
                    .evaluationCrop(input: input)
            }
        }
        if let limit = options.limit { data = data.prefix(limit) }
        let name = "\(kind.rawValue) \(options.split.rawValue) split"
        guard data.count > 0 else { throw CLIError("\(name): no images") }
        return (try fit(data, to: loaded.model.inputShape, name: name, note: note), name)
    }

    /// PNG or JPEG files as one dataset (labels 0: unknown), converted to the model's channels. A file of another
    /// size than the model's input is refused, or with `fit` given the reference's evaluation transform (shorter
    /// side resized to `ImageNetTransforms.resizeSide`, centre crop of the input's size).
    static func imageFiles(
        _ paths: [String], inputShape: [Int], classNames: [String], fit: Bool, note: (String) -> Void
    ) throws -> Dataset {
        let (channels, height, width) = (inputShape[0], inputShape[1], inputShape[2])
        var pixels: [UInt8] = []
        var converted = 0
        var resized = 0
        for path in paths {
            let bytes: [UInt8]
            do { bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
                throw CLIError("\(path): cannot read the file (\(error.localizedDescription))")
            }
            let decoded = try ImageDecoding.decode(bytes, path: path)
            let colour = decoded.channels >= 3 ? 3 : 1
            var image = try Dataset(
                images: planarPixels(decoded, colour: colour), labels: [0], classNames: ["?"], channels: colour,
                height: decoded.height, width: decoded.width)
            if decoded.height != height || decoded.width != width {
                guard fit else {
                    throw CLIError(
                        "\(path): image is \(decoded.width)x\(decoded.height) pixels but the model takes \(width)x\(height); "
                            + "images are not resized without --fit (which resizes and centre-crops as the "
                            + "reference's evaluation does)"
                    )
                }
                do { image = try image.fitted(toInput: inputShape) } catch { throw CLIError("\(path): \(error)") }
                resized += 1
            }
            if colour != channels { converted += 1 }
            pixels += try image.converted(toChannels: channels).images
        }
        if converted > 0 {
            note(
                "\(converted) image(s) converted to the model's \(channels == 1 ? "grey" : "RGB") input (\(channels == 1 ? "ITU-R 601 luma" : "grey replicated to RGB"))"
            )
        }
        if resized > 0 {
            note(
                "\(resized) image(s) resized (shorter side \(ImageNetTransforms.resizeSide(forInput: max(height, width)))) and centre-cropped to \(width)x\(height)"
            )
        }
        return try Dataset(
            images: pixels, labels: [Int32](repeating: 0, count: paths.count), classNames: classNames,
            channels: channels, height: height, width: width)
    }

    /// `data` with the model's channels; a size mismatch is refused.
    static func fit(_ data: Dataset, to inputShape: [Int], name: String, note: (String) -> Void) throws -> Dataset {
        guard data.height == inputShape[1], data.width == inputShape[2] else {
            throw CLIError(
                "\(name): images are \(data.width)x\(data.height) pixels but the model takes \(inputShape[2])x\(inputShape[1]); "
                    + "images are not resized")
        }
        guard data.channels != inputShape[0] else { return data }
        note(
            "\(name): \(data.channels)-channel images converted to the model's \(inputShape[0]) channel(s) "
                + "(\(inputShape[0] == 1 ? "ITU-R 601 luma" : "grey replicated to RGB"))")
        do { return try data.converted(toChannels: inputShape[0]) } catch {
            throw CLIError("\(name): \(error)")
        }
    }

    /// Interleaved decoded pixels -> planar (channels, height, width) in `colour` channels, alpha dropped.
    static func planarPixels(_ image: PNGPixels, colour: Int) -> [UInt8] {
        let plane = image.width * image.height
        var planar = [UInt8](repeating: 0, count: colour * plane)
        for pixel in 0..<plane {
            for channel in 0..<colour {
                planar[channel * plane + pixel] = image.bytes[pixel * image.channels + channel]
            }
        }
        return planar
    }

    /// Display names of the run's classes (the dataset's list, or the folder's class subfolders), else "class N".
    static func classNames(of settings: RunSettings, classes: Int) -> [String] {
        let names: [String]?
        switch settings.dataset {
        case .fashionMNIST: names = ClassNames.fashionMNIST
        case .mnist: names = ClassNames.mnist
        case .cifar10: names = ClassNames.cifar10
        case .cifar100: names = ClassNames.cifar100
        case .folder: names = try? Dataset.imageFolderClasses(root: settings.dataRoot)
        }
        if let names, names.count == classes { return names }
        return (0..<classes).map { "class \($0)" }
    }

}
