/// The two CIFAR binary layouts: a record is label byte(s) then 3072 pixel bytes (1024 R, 1024 G, 1024 B, row-major).
public enum CIFARVariant: Sendable {
    /// CIFAR-10: one label byte per record.
    case cifar10
    /// CIFAR-100: a coarse then a fine label byte per record; the fine label is used.
    case cifar100

    /// Label bytes before the pixels.
    var labelBytes: Int { self == .cifar10 ? 1 : 2 }
    /// Bytes per record.
    var recordSize: Int { labelBytes + 3072 }
    /// Classes in the label the loader uses.
    var classCount: Int { self == .cifar10 ? 10 : 100 }
    /// Files of one part, in record order.
    func fileNames(_ part: DatasetPart) -> [String] {
        switch (self, part) {
        case (.cifar10, .train): return (1...5).map { "data_batch_\($0).bin" }
        case (.cifar10, .test): return ["test_batch.bin"]
        case (.cifar100, .train): return ["train.bin"]
        case (.cifar100, .test): return ["test.bin"]
        }
    }
    /// Optional class-name list shipped with the release.
    var metaFileName: String { self == .cifar10 ? "batches.meta.txt" : "fine_label_names.txt" }
    var displayName: String { self == .cifar10 ? "CIFAR-10" : "CIFAR-100" }
}

extension Dataset {
    /// Loads the CIFAR binary files of `part` found in `directory`. For CIFAR-10 training it loads whichever of
    /// data_batch_1...5.bin exist (a subset is fine) and fails only if none does. Class names come from
    /// batches.meta.txt / fine_label_names.txt when present, else the built-in lists.
    public static func loadCIFAR(_ variant: CIFARVariant, directory: String, part: DatasetPart) throws -> Dataset {
        let names = variant.fileNames(part)
        let paths = names.compactMap { firstExisting([$0], in: directory) }
        guard !paths.isEmpty else {
            throw DatasetError.missingFiles(
                dataset: variant.displayName, directory: directory, names: names,
                hint: "Get the binary version (cifar-\(variant.classCount)-binary.tar.gz from "
                    + "https://www.cs.toronto.edu/~kriz/cifar.html), unpack it and pass --data-root DIR.")
        }
        var pixels = [UInt8]()
        var labels = [Int32]()
        for path in paths {
            let bytes = try readDataFile(path)
            try appendCIFARRecords(bytes, variant: variant, path: path, pixels: &pixels, labels: &labels)
        }
        return try Dataset(
            images: pixels, labels: labels, classNames: try cifarClassNames(variant, directory: directory),
            channels: 3, height: 32, width: 32)
    }
}

/// Splits one CIFAR file into pixels and labels, checking its size and every label.
func appendCIFARRecords(
    _ bytes: [UInt8], variant: CIFARVariant, path: String,
    pixels: inout [UInt8], labels: inout [Int32]
) throws {
    let recordSize = variant.recordSize
    guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
        throw DatasetError.recordSizeMismatch(path: path, bytes: bytes.count, recordSize: recordSize)
    }
    let records = bytes.count / recordSize
    pixels.reserveCapacity(pixels.count + records * 3072)
    labels.reserveCapacity(labels.count + records)
    for record in 0..<records {
        let start = record * recordSize
        let label = Int(bytes[start + variant.labelBytes - 1])
        guard label < variant.classCount else {
            throw DatasetError.labelOutOfRange(path: path, sample: record, label: label, classCount: variant.classCount)
        }
        labels.append(Int32(label))
        pixels.append(contentsOf: bytes[start + variant.labelBytes..<start + recordSize])
    }
}

/// The release's class-name file if present (it must list exactly the variant's class count), else built-ins.
private func cifarClassNames(_ variant: CIFARVariant, directory: String) throws -> [String] {
    guard let path = firstExisting([variant.metaFileName], in: directory) else {
        return variant == .cifar10 ? ClassNames.cifar10 : ClassNames.cifar100
    }
    let names = try readNameList(path)
    guard names.count == variant.classCount else {
        throw DatasetError.badFormat(
            path: path,
            reason: "lists \(names.count) class names, "
                + "\(variant.displayName) has \(variant.classCount)")
    }
    return names
}
