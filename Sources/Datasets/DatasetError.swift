/// Everything that can go wrong while loading or batching a dataset; each message says what and where.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Required files are absent: which dataset, where we looked, which names, and how to get them.
    case missingFiles(dataset: String, directory: String, names: [String], hint: String)
    /// A file exists but its content is not what its format requires (wrong magic, truncated, bad header).
    case badFormat(path: String, reason: String)
    /// A CIFAR binary whose byte count is not a whole number of records.
    case recordSizeMismatch(path: String, bytes: Int, recordSize: Int)
    /// The image and label files disagree on how many samples there are.
    case countMismatch(imagesPath: String, images: Int, labelsPath: String, labels: Int)
    /// A label that does not name one of the dataset's classes.
    case labelOutOfRange(path: String, sample: Int, label: Int, classCount: Int)
    /// An image in a folder whose size differs from the first image's size.
    case imageSizeMismatch(path: String, expected: String, found: String)
    /// A file in an image folder that is not a decodable PNG.
    case unreadableImage(path: String, reason: String)
    /// A `.gz` file that `gzip -dc` could not decompress.
    case decompressionFailed(path: String, reason: String)
    /// A caller-supplied value that cannot work (sizes, counts, channel numbers...).
    case invalidArgument(String)

    /// A one-paragraph explanation fit for a terminal.
    public var description: String {
        switch self {
        case .missingFiles(let dataset, let directory, let names, let hint):
            return "\(dataset): looked in \(directory) for \(names.joined(separator: ", ")) but found none. \(hint)"
        case .badFormat(let path, let reason):
            return "\(path): \(reason)"
        case .recordSizeMismatch(let path, let bytes, let recordSize):
            return "\(path): \(bytes) bytes is not a multiple of the \(recordSize)-byte record size "
                + "(\(bytes / recordSize) whole records and \(bytes % recordSize) bytes left over)"
        case .countMismatch(let imagesPath, let images, let labelsPath, let labels):
            return "\(imagesPath) holds \(images) images but \(labelsPath) holds \(labels) labels"
        case .labelOutOfRange(let path, let sample, let label, let classCount):
            return "\(path): sample \(sample) has label \(label), outside 0..<\(classCount)"
        case .imageSizeMismatch(let path, let expected, let found):
            return "\(path): image is \(found) but the folder's images are \(expected); all images must share one size"
        case .unreadableImage(let path, let reason):
            return "\(path): not a readable image (\(reason))"
        case .decompressionFailed(let path, let reason):
            return "\(path): gzip could not decompress it (\(reason))"
        case .invalidArgument(let message):
            return message
        }
    }
}
