import Foundation

extension Dataset {
    /// Loads `root/<class>/*.{png,jpg,jpeg}` (any case; classes = sorted subfolder names, like torchvision's
    /// ImageFolder; files sorted by name; one level deep). Files are decoded by their content (PNG or JPEG, see
    /// `ImageDecoding`); grey, grey+alpha, RGB or RGBA: alpha is dropped, then grey is replicated to RGB or RGB
    /// reduced to ITU-R 601 luma to give `channels` channels.
    ///
    /// Without `input`, or when every image already has the input's size, images are kept as they are and must
    /// share one size (the first that differs fails with its path). Otherwise (an ImageNet-style folder of photos
    /// of any size) each image gets the reference's evaluation resize: shorter side to
    /// `ImageNetTransforms.resizeSide(input)`, centre square of that side; training crops from it at random
    /// (`Augmentation.imagenet`) and evaluation takes its centre input crop (`centreCropped`). Such images must be
    /// at least `minimumResizedSide` pixels on each side.
    ///
    /// Bad data FAILS the load with its path rather than being skipped, because silently training on part of a
    /// folder hides broken data: a file that cannot be decoded (truncated, CMYK or 12/16-bit JPEG, a .jpg holding
    /// something else), a too small image, a class folder with no images. Hidden files and files without an image
    /// extension are ignored. Pass `classNames` (e.g. the training folder's) to make a test folder use the same
    /// labels.
    public static func loadImageFolder(
        root: String, channels: Int, classNames: [String]? = nil, input: (height: Int, width: Int)? = nil
    ) throws -> Dataset {
        guard [1, 3].contains(channels) else {
            throw DatasetError.invalidArgument("image folder \(root): channels must be 1 or 3, got \(channels)")
        }
        let folders = try classFolders(root: root)
        let names = classNames ?? folders
        var images: [(pixels: [UInt8], height: Int, width: Int, path: String)] = []
        var labels = [Int32]()
        for folder in folders {
            let directory = (root as NSString).appendingPathComponent(folder)
            guard let label = names.firstIndex(of: folder) else {
                throw DatasetError.badFormat(
                    path: directory, reason: "class folder not among the expected classes \(names)")
            }
            let files = try imageFiles(in: directory)
            guard !files.isEmpty else {
                throw DatasetError.badFormat(
                    path: directory, reason: "class folder holds no .png, .jpg or .jpeg images")
            }
            for path in files {
                let decoded = try ImageDecoding.decode(try readFileBytes(path), path: path)
                images.append(
                    (try planarPixels(decoded, channels: channels, path: path), decoded.height, decoded.width, path))
                labels.append(Int32(label))
            }
        }
        guard let first = images.first else {
            throw DatasetError.missingFiles(
                dataset: "image folder", directory: root, names: ["<class>/*.png", "<class>/*.jpg"],
                hint: "Put each class's images in its own subfolder.")
        }
        let keep =
            input.map { size in images.allSatisfy { ($0.height, $0.width) == size } }
            ?? true
        guard !keep, let input else {
            for image in images where (image.height, image.width) != (first.height, first.width) {
                throw DatasetError.imageSizeMismatch(
                    path: image.path, expected: "\(first.width)x\(first.height)",
                    found: "\(image.width)x\(image.height)")
            }
            return try Dataset(
                images: images.flatMap(\.pixels), labels: labels, classNames: names, channels: channels,
                height: first.height, width: first.width)
        }
        let side = ImageNetTransforms.resizeSide(forInput: max(input.height, input.width))
        var pixels = [UInt8]()
        pixels.reserveCapacity(images.count * channels * side * side)
        for image in images {
            guard min(image.height, image.width) >= minimumResizedSide else {
                throw DatasetError.unreadableImage(
                    path: image.path,
                    reason:
                        "image is \(image.width)x\(image.height) pixels; images resized to the model's input must be at least \(minimumResizedSide)x\(minimumResizedSide)"
                )
            }
            pixels += ImageNetTransforms.resizeAndCentreCrop(
                image.pixels, channels: channels, height: image.height, width: image.width, resize: side,
                crop: (side, side))
        }
        return try Dataset(
            images: pixels, labels: labels, classNames: names, channels: channels, height: side, width: side)
    }

    /// The class names a folder dataset at `root` uses (the sorted subfolders of `root/train`, else of `root`),
    /// without decoding any image.
    public static func imageFolderClasses(root: String?) throws -> [String] {
        guard let root else {
            throw DatasetError.invalidArgument("image folder has no default location: pass --data-root DIR")
        }
        return try classFolders(root: firstExisting(["train"], in: root) ?? root)
    }

    /// The evaluation crop for a model of `input` (channels, height, width): the centre input window of images
    /// kept at the resize side (`loadImageFolder`'s photos), the dataset itself otherwise (a dataset of another
    /// size is the caller's to refuse: it is never cropped silently).
    public func evaluationCrop(input: [Int]) throws -> Dataset {
        guard input.count == 3, isAtResizeSide(input: input) else { return self }
        return try centreCropped(height: input[1], width: input[2])
    }

    /// Whether the images are `loadImageFolder`'s photos for a model of `input`: squares of the resize side, which
    /// is not the input's own size (training then crops them at random, evaluation in the centre).
    public func isAtResizeSide(input: [Int]) -> Bool {
        let side = ImageNetTransforms.resizeSide(forInput: max(input[1], input[2]))
        return height == side && width == side && (side != input[1] || side != input[2])
    }

    /// Smaller photos hold no usable content at a model's input size (a 1x1 file is a placeholder, not a photo).
    public static let minimumResizedSide = 8
}

/// Sorted names of the non-hidden subdirectories of `root`.
private func classFolders(root: String) throws -> [String] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw DatasetError.missingFiles(
            dataset: "image folder", directory: root, names: ["<class>/*.png"],
            hint: "The folder does not exist; pass --data-root DIR.")
    }
    let folders = try listDirectory(root).filter { name in
        var isFolder: ObjCBool = false
        let path = (root as NSString).appendingPathComponent(name)
        return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            && isFolder.boolValue
    }
    guard !folders.isEmpty else {
        throw DatasetError.missingFiles(
            dataset: "image folder", directory: root, names: ["<class>/ subfolders"],
            hint: "Put each class's images in its own subfolder.")
    }
    return folders.sorted()
}

/// Sorted full paths of the non-hidden image files (`ImageDecoding.extensions`, any case) in `folder`.
private func imageFiles(in folder: String) throws -> [String] {
    try listDirectory(folder).filter(ImageDecoding.isImageFile).sorted()
        .map { (folder as NSString).appendingPathComponent($0) }
}

private func listDirectory(_ path: String) throws -> [String] {
    do { return try FileManager.default.contentsOfDirectory(atPath: path) } catch {
        throw DatasetError.badFormat(path: path, reason: "cannot list the folder: \(error.localizedDescription)")
    }
}

/// Reads a file's bytes as they are (no gzip sniffing: an image file is never gzipped).
private func readFileBytes(_ path: String) throws -> [UInt8] {
    do { return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
        throw DatasetError.unreadableImage(path: path, reason: error.localizedDescription)
    }
}

/// Interleaved decoded pixels -> planar (channels, height, width), alpha dropped, converted to `channels`.
func planarPixels(_ image: PNGPixels, channels: Int, path: String) throws -> [UInt8] {
    let colour = image.channels >= 3 ? 3 : 1
    let plane = image.width * image.height
    var planar = [UInt8](repeating: 0, count: colour * plane)
    for pixel in 0..<plane {
        for channel in 0..<colour {
            planar[channel * plane + pixel] = image.bytes[pixel * image.channels + channel]
        }
    }
    return try convertChannels(planar, count: 1, from: colour, to: channels, planeSize: plane, context: path)
}
