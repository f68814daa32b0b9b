import Foundation
import InputFiles

extension Dataset {
    /// Loads `root/<class>/*.png` (classes = sorted subfolder names, like torchvision's ImageFolder; files sorted
    /// by name; one level deep). Grey, grey+alpha, RGB or RGBA PNGs are accepted: alpha is dropped, then grey is
    /// replicated to RGB or RGB reduced to ITU-R 601 luma to give `channels` channels.
    /// All images must share one size (no resizing): the first that differs fails with its path.
    /// A `.png` file that libpng cannot decode FAILS the load with its path rather than being skipped, because
    /// silently training on part of a folder hides broken data. Files without a `.png` extension and hidden files
    /// are ignored. Pass `classNames` (e.g. the training folder's) to make a test folder use the same labels.
    public static func loadImageFolder(root: String, channels: Int, classNames: [String]? = nil) throws -> Dataset {
        guard [1, 3].contains(channels) else {
            throw DatasetError.invalidArgument("image folder \(root): channels must be 1 or 3, got \(channels)")
        }
        let folders = try classFolders(root: root)
        let names = classNames ?? folders
        var pixels = [UInt8]()
        var labels = [Int32]()
        var size: (height: Int, width: Int)?
        for folder in folders {
            guard let label = names.firstIndex(of: folder) else {
                throw DatasetError.badFormat(
                    path: (root as NSString).appendingPathComponent(folder),
                    reason: "class folder not among the expected classes \(names)")
            }
            for path in try pngFiles(in: (root as NSString).appendingPathComponent(folder)) {
                let decoded = try PNGCodec.decode(try readFileBytes(path), path: path)
                let found = (height: decoded.height, width: decoded.width)
                if let expected = size, expected != found {
                    throw DatasetError.imageSizeMismatch(
                        path: path, expected: "\(expected.width)x\(expected.height)",
                        found: "\(found.width)x\(found.height)")
                }
                size = found
                pixels.append(contentsOf: try planarPixels(decoded, channels: channels, path: path))
                labels.append(Int32(label))
            }
        }
        guard let size else {
            throw DatasetError.missingFiles(
                dataset: "image folder", directory: root, names: ["<class>/*.png"],
                hint: "Put each class's PNG images in its own subfolder.")
        }
        return try Dataset(
            images: pixels, labels: labels, classNames: names, channels: channels,
            height: size.height, width: size.width)
    }
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
            hint: "Put each class's PNG images in its own subfolder.")
    }
    return folders.sorted()
}

/// Sorted full paths of the non-hidden `*.png` (any case) files in `folder`.
private func pngFiles(in folder: String) throws -> [String] {
    try listDirectory(folder).filter { !$0.hasPrefix(".") && $0.lowercased().hasSuffix(".png") }.sorted()
        .map { (folder as NSString).appendingPathComponent($0) }
}

private func listDirectory(_ path: String) throws -> [String] {
    do { return try FileManager.default.contentsOfDirectory(atPath: path) } catch {
        throw DatasetError.badFormat(path: path, reason: "cannot list the folder: \(error.localizedDescription)")
    }
}

/// Reads a file's bytes as they are (no gzip sniffing: a PNG is never gzipped).
private func readFileBytes(_ path: String) throws -> [UInt8] {
    do { return [UInt8](try InputFile.read(path)) } catch {
        throw DatasetError.unreadableImage(path: path, reason: "it \(error.reason)")
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
