/// Which half of a dataset's official split.
public enum DatasetPart: String, Sendable, CaseIterable {
    /// The training files (validation is held out of these).
    case train
    /// The test files.
    case test
}

/// The datasets the toolkit knows, with their default location and the paper's augmentation.
public enum DatasetKind: String, Sendable, CaseIterable, Codable {
    /// Fashion-MNIST (IDX files, Debian package dataset-fashion-mnist).
    case fashionMNIST = "fashion-mnist"
    /// MNIST (IDX files).
    case mnist
    /// CIFAR-10 (binary version).
    case cifar10
    /// CIFAR-100 (binary version).
    case cifar100
    /// A folder of PNG or JPEG images: `root/<class>/*.{png,jpg}`, or `root/train/<class>` and `root/test/<class>`
    /// (the ImageNet layout, with `val/` accepted for `test/`).
    case folder

    /// Name for messages.
    public var displayName: String {
        switch self {
        case .fashionMNIST: "Fashion-MNIST"
        case .mnist: "MNIST"
        case .cifar10: "CIFAR-10"
        case .cifar100: "CIFAR-100"
        case .folder: "image folder"
        }
    }

    /// Where the data lives when no --data-root is given (nil: a root is required).
    public var defaultRoot: String? {
        switch self {
        case .fashionMNIST: "/usr/share/datasets/fashion-mnist"
        case .mnist: "/usr/share/datasets/mnist"
        case .cifar10, .cifar100, .folder: nil
        }
    }

    /// The paper's training augmentation for this dataset (CIFAR: pad 4, crop, flip; others: pad 4, crop).
    public var defaultAugmentation: Augmentation {
        switch self {
        case .cifar10, .cifar100: .cifar
        case .fashionMNIST, .mnist, .folder: .mnist
        }
    }

    /// Loads `part` from `root` (or `defaultRoot`). For folders, `root/train` and `root/test` are used when they
    /// exist (the test part must), else `root` itself is the training set; `channels` (default 3) and `input` (the
    /// model's height and width: photos of other sizes are resized, see `Dataset.loadImageFolder`) apply to folders
    /// only, other kinds keep their native channels and size (see `Dataset.converted(toChannels:)`).
    public func load(
        _ part: DatasetPart, root: String? = nil, channels: Int? = nil,
        classNames: [String]? = nil, input: (height: Int, width: Int)? = nil
    ) throws -> Dataset {
        guard let directory = root ?? defaultRoot else {
            throw DatasetError.invalidArgument("\(displayName) has no default location: pass --data-root DIR")
        }
        switch self {
        case .fashionMNIST:
            return try .loadMNISTLayout(
                directory: directory, part: part, datasetName: displayName,
                classNames: ClassNames.fashionMNIST)
        case .mnist:
            return try .loadMNISTLayout(
                directory: directory, part: part, datasetName: displayName,
                classNames: ClassNames.mnist)
        case .cifar10:
            return try .loadCIFAR(.cifar10, directory: directory, part: part)
        case .cifar100:
            return try .loadCIFAR(.cifar100, directory: directory, part: part)
        case .folder:
            // ImageNet's folders are train/ and val/ (its test labels were never published): val/ is the test part.
            let split = firstExisting(part == .test ? ["test", "val"] : [part.rawValue], in: directory)
            guard split != nil || part == .train else {
                throw DatasetError.missingFiles(
                    dataset: displayName, directory: directory, names: ["test/<class>/*.png", "val/<class>/*.JPEG"],
                    hint: "Put the test images in a test/ (or val/) subfolder.")
            }
            return try .loadImageFolder(
                root: split ?? directory, channels: channels ?? 3, classNames: classNames, input: input)
        }
    }
}
