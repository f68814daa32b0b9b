/// An in-memory labelled image set: raw 8-bit pixels in NCHW order, one Int32 label per image.
public struct Dataset: Sendable {
    /// Pixels, (count, channels, height, width), 0...255.
    public let images: [UInt8]
    /// One class index per image, each in `0..<classNames.count`.
    public let labels: [Int32]
    /// Human-readable class names in label order, for display.
    public let classNames: [String]
    /// Channels per image (1 grey, 3 RGB).
    public let channels: Int
    /// Image height in pixels.
    public let height: Int
    /// Image width in pixels.
    public let width: Int

    /// Creates a dataset after checking that pixels, labels and class names agree.
    public init(images: [UInt8], labels: [Int32], classNames: [String], channels: Int, height: Int, width: Int) throws {
        guard channels > 0, height > 0, width > 0 else {
            throw DatasetError.invalidArgument("dataset shape \(channels)x\(height)x\(width) must be positive")
        }
        guard !classNames.isEmpty else { throw DatasetError.invalidArgument("a dataset needs at least one class name") }
        // Checked products: the shape may come from a file's header (an IDX file of 0 images of 2^32 x 2^32).
        let (plane, planeOverflow) = height.multipliedReportingOverflow(by: width)
        let (imageSize, imageOverflow) = plane.multipliedReportingOverflow(by: channels)
        let (total, totalOverflow) = labels.count.multipliedReportingOverflow(by: imageSize)
        guard !planeOverflow, !imageOverflow, !totalOverflow else {
            throw DatasetError.invalidArgument(
                "dataset shape \(labels.count)x\(channels)x\(height)x\(width) is too large to address")
        }
        guard images.count == total else {
            throw DatasetError.invalidArgument(
                "dataset pixels: \(images.count) bytes for \(labels.count) images of \(channels)x\(height)x\(width)"
                    + " (expected \(labels.count * imageSize))")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || Int($0) >= classNames.count }) {
            throw DatasetError.labelOutOfRange(
                path: "<memory>", sample: bad, label: Int(labels[bad]),
                classCount: classNames.count)
        }
        self.images = images
        self.labels = labels
        self.classNames = classNames
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Number of images.
    public var count: Int { labels.count }
    /// Bytes (and floats, once batched) per image: channels * height * width.
    public var imageSize: Int { channels * height * width }
    /// Number of classes.
    public var classCount: Int { classNames.count }

    /// The pixels of image `index`, (channels, height, width).
    public func image(at index: Int) -> ArraySlice<UInt8> {
        images[index * imageSize..<(index + 1) * imageSize]
    }

    /// A new dataset holding the images at `indices`, in that order (indices must be valid).
    public func subset(_ indices: [Int]) -> Dataset {
        let size = imageSize
        var pixels = [UInt8](repeating: 0, count: indices.count * size)
        pixels.withUnsafeMutableBufferPointer { destination in
            images.withUnsafeBufferPointer { source in
                for (row, index) in indices.enumerated() {
                    let from = UnsafeBufferPointer(rebasing: source[index * size..<(index + 1) * size])
                    _ = UnsafeMutableBufferPointer(rebasing: destination[row * size..<(row + 1) * size])
                        .initialize(from: from)
                }
            }
        }
        return Dataset(checked: pixels, labels: indices.map { labels[$0] }, like: self)
    }

    /// The first `limit` images (all of them when `limit >= count`): the `--train-limit` cut.
    public func prefix(_ limit: Int) -> Dataset {
        limit >= count ? self : subset(Array(0..<max(limit, 0)))
    }

    /// The same images with `targetChannels` channels: grey -> RGB replicates, RGB -> grey uses ITU-R 601 luma
    /// (what PIL's `convert("L")`, hence torchvision's Grayscale, computes).
    public func converted(toChannels targetChannels: Int) throws -> Dataset {
        if targetChannels == channels { return self }
        let plane = height * width
        let converted = try convertChannels(
            images, count: count, from: channels, to: targetChannels,
            planeSize: plane, context: "dataset")
        return try Dataset(
            images: converted, labels: labels, classNames: classNames,
            channels: targetChannels, height: height, width: width)
    }

    /// Internal initialiser for derived datasets whose invariants already hold.
    init(checked images: [UInt8], labels: [Int32], like other: Dataset) {
        self.images = images
        self.labels = labels
        self.classNames = other.classNames
        self.channels = other.channels
        self.height = other.height
        self.width = other.width
    }
}

/// Converts `count` planar images between 1 and 3 channels (see `Dataset.converted(toChannels:)`).
func convertChannels(
    _ pixels: [UInt8], count: Int, from source: Int, to target: Int, planeSize: Int,
    context: String
) throws -> [UInt8] {
    if source == target { return pixels }
    guard [1, 3].contains(source), [1, 3].contains(target) else {
        throw DatasetError.invalidArgument("\(context): cannot convert \(source) channels to \(target) (only 1 <-> 3)")
    }
    var output = [UInt8](repeating: 0, count: count * target * planeSize)
    for image in 0..<count {
        let input = image * source * planeSize
        let result = image * target * planeSize
        for pixel in 0..<planeSize {
            if source == 1 {
                let grey = pixels[input + pixel]
                for channel in 0..<3 { output[result + channel * planeSize + pixel] = grey }
            } else {
                let red = UInt32(pixels[input + pixel])
                let green = UInt32(pixels[input + planeSize + pixel])
                let blue = UInt32(pixels[input + 2 * planeSize + pixel])
                // Integer luma with rounding, as PIL: L = R*299/1000 + G*587/1000 + B*114/1000.
                output[result + pixel] = UInt8((red * 299 + green * 587 + blue * 114 + 500) / 1000)
            }
        }
    }
    return output
}
