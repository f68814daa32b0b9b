/// A parsed IDX array (the MNIST file format): unsigned-byte data with its dimensions.
struct IDXArray {
    let dimensions: [Int]
    let data: ArraySlice<UInt8>
}

/// Parses IDX bytes: magic 0x00 0x00 0x08 (unsigned byte) <rank>, then rank big-endian UInt32 sizes, then data.
func parseIDX(_ bytes: [UInt8], path: String, expectedRank: Int) throws -> IDXArray {
    guard bytes.count >= 4 else {
        throw DatasetError.badFormat(path: path, reason: "truncated IDX file: \(bytes.count) bytes, no 4-byte magic")
    }
    guard bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08, Int(bytes[3]) == expectedRank else {
        let magic = bytes[0..<4].map(hexByte).joined(separator: " ")
        throw DatasetError.badFormat(
            path: path,
            reason: "wrong IDX magic \(magic): expected 00 00 08 0\(expectedRank)"
                + " (unsigned bytes, \(expectedRank) dimensions)")
    }
    let headerSize = 4 + 4 * expectedRank
    guard bytes.count >= headerSize else {
        throw DatasetError.badFormat(path: path, reason: "truncated IDX header: \(bytes.count) of \(headerSize) bytes")
    }
    let dimensions = (0..<expectedRank).map { axis in
        (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * axis + $1]) }
    }
    // Multiply with overflow checks: a corrupt header may claim sizes whose product does not fit an Int.
    let expected = dimensions.reduce(1) { product, size in
        let (result, overflow) = product.multipliedReportingOverflow(by: size)
        return overflow ? Int.max : result
    }
    guard bytes.count - headerSize >= expected else {
        throw DatasetError.badFormat(
            path: path,
            reason: "truncated IDX data: dimensions \(dimensions) need "
                + "\(expected) bytes after the header, the file has \(bytes.count - headerSize)")
    }
    return IDXArray(dimensions: dimensions, data: bytes[headerSize..<headerSize + expected])
}

/// Header plus data bytes an IDX file of `rank` needs, once `header` holds the sizes (nil before; Int.max when the
/// product overflows, so reading goes on to the end and the parse reports it).
func idxFileSize(header: [UInt8], rank: Int) -> Int? {
    let headerSize = 4 + 4 * rank
    guard header.count >= headerSize else { return nil }
    var total = 1
    for axis in 0..<rank {
        let size = (0..<4).reduce(0) { $0 << 8 | Int(header[4 + 4 * axis + $1]) }
        let (product, overflow) = total.multipliedReportingOverflow(by: size)
        if overflow { return Int.max }
        total = product
    }
    let (sum, overflow) = total.addingReportingOverflow(headerSize)
    return overflow ? Int.max : sum
}

/// IDX images are small (MNIST: 28x28); a larger side is a damaged header, refused before any size is multiplied.
let maxIDXImageSide = 1 << 16

/// Two lowercase hex digits for a byte (for error messages).
func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}

extension Dataset {
    /// Loads an IDX image file (rank 3: count x rows x columns) and its IDX label file (rank 1), gzipped or not.
    public static func loadIDX(imagesPath: String, labelsPath: String, classNames: [String]) throws -> Dataset {
        let images = try parseIDX(
            try readDataFile(imagesPath, needed: { idxFileSize(header: $0, rank: 3) }), path: imagesPath,
            expectedRank: 3)
        let labels = try parseIDX(
            try readDataFile(labelsPath, needed: { idxFileSize(header: $0, rank: 1) }), path: labelsPath,
            expectedRank: 1)
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw DatasetError.countMismatch(
                imagesPath: imagesPath, images: images.dimensions[0],
                labelsPath: labelsPath, labels: labels.dimensions[0])
        }
        guard images.dimensions[1] > 0, images.dimensions[2] > 0 else {
            throw DatasetError.badFormat(path: imagesPath, reason: "empty image size \(images.dimensions)")
        }
        guard images.dimensions[1] <= maxIDXImageSide, images.dimensions[2] <= maxIDXImageSide else {
            throw DatasetError.badFormat(
                path: imagesPath,
                reason:
                    "image size \(images.dimensions[1])x\(images.dimensions[2]) is above \(maxIDXImageSide) pixels a side"
            )
        }
        if let bad = labels.data.firstIndex(where: { Int($0) >= classNames.count }) {
            throw DatasetError.labelOutOfRange(
                path: labelsPath, sample: bad - labels.data.startIndex,
                label: Int(labels.data[bad]), classCount: classNames.count)
        }
        return try Dataset(
            images: Array(images.data), labels: labels.data.map { Int32($0) }, classNames: classNames,
            channels: 1, height: images.dimensions[1], width: images.dimensions[2])
    }

    /// Loads the MNIST-layout files of `part` from `directory` (`train-…` or `t10k-…`, `.gz` or not).
    public static func loadMNISTLayout(
        directory: String, part: DatasetPart, datasetName: String,
        classNames: [String]
    ) throws -> Dataset {
        let prefix = part == .train ? "train" : "t10k"
        let imageNames = [
            "\(prefix)-images-idx3-ubyte.gz", "\(prefix)-images-idx3-ubyte", "\(prefix)-images.idx3-ubyte",
        ]
        let labelNames = [
            "\(prefix)-labels-idx1-ubyte.gz", "\(prefix)-labels-idx1-ubyte", "\(prefix)-labels.idx1-ubyte",
        ]
        let hint =
            datasetName == DatasetKind.fashionMNIST.displayName
            ? "Install it with `apt-get install dataset-fashion-mnist` or pass --data-root DIR."
            : "Download the four IDX files (train/t10k images and labels) there or pass --data-root DIR."
        guard let images = firstExisting(imageNames, in: directory) else {
            throw DatasetError.missingFiles(dataset: datasetName, directory: directory, names: imageNames, hint: hint)
        }
        guard let labels = firstExisting(labelNames, in: directory) else {
            throw DatasetError.missingFiles(dataset: datasetName, directory: directory, names: labelNames, hint: hint)
        }
        return try loadIDX(imagesPath: images, labelsPath: labels, classNames: classNames)
    }
}
