import Datasets
import Foundation
import Testing

/// Writes one PNG of `channels` interleaved channels.
private func writePNG(_ bytes: [UInt8], width: Int, height: Int, channels: Int, to path: String) throws {
    try write(try PNGCodec.encode(PNGPixels(width: width, height: height, channels: channels, bytes: bytes)), to: path)
}

@Suite struct ImageFolderTests {
    @Test(arguments: 1...4)
    func pngRoundTripKeepsEveryChannel(channels: Int) throws {
        let pixels = PNGPixels(
            width: 5, height: 3, channels: channels, bytes: pixelPattern(count: 15 * channels, seed: 9))
        let decoded = try PNGCodec.decode(try PNGCodec.encode(pixels))
        #expect(decoded == pixels)
    }

    @Test func datasetImagesBecomeInterleavedPNGPixelsAndComeBackFromAFolder() throws {
        // Two 2x1 RGB images, planar: the second is red (255, 9), green (0, 8), blue (7, 6).
        let data = try Dataset(
            images: [1, 2, 3, 4, 5, 6, 255, 9, 0, 8, 7, 6], labels: [0, 0], classNames: ["a"], channels: 3, height: 1,
            width: 2)
        let pixels = data.pngPixels(at: 1)
        #expect(pixels == PNGPixels(width: 2, height: 1, channels: 3, bytes: [255, 0, 7, 9, 8, 6]))
        let grey = try Dataset(
            images: [3, 4, 5, 6], labels: [0, 0], classNames: ["a"], channels: 1, height: 1, width: 2)
        #expect(grey.pngPixels(at: 1) == PNGPixels(width: 2, height: 1, channels: 1, bytes: [5, 6]))
        try withTemporaryDirectory { root in
            try write(try PNGCodec.encode(pixels), to: join(root, "a/x.png"))
            #expect(Array(try Dataset.loadImageFolder(root: root, channels: 3).images) == Array(data.image(at: 1)))
        }
    }

    @Test func encodeRejectsAWrongByteCount() {
        #expect(throws: DatasetError.self) {
            try PNGCodec.encode(PNGPixels(width: 2, height: 2, channels: 3, bytes: [1, 2, 3]))
        }
    }

    @Test func convertsGreyRGBAndAlphaToTheRequestedChannels() throws {
        try withTemporaryDirectory { root in
            // bird/a.png: grey 2x1; cat/b.png: RGB 2x1; cat/c.png: RGBA 2x1 (alpha must be dropped, not blended).
            try writePNG([10, 200], width: 2, height: 1, channels: 1, to: join(root, "bird/a.png"))
            try writePNG([255, 0, 0, 0, 0, 255], width: 2, height: 1, channels: 3, to: join(root, "cat/b.png"))
            try writePNG([0, 255, 0, 0, 9, 9, 9, 255], width: 2, height: 1, channels: 4, to: join(root, "cat/c.png"))
            try write(Array("not an image".utf8), to: join(root, "cat/notes.txt"))
            try write([1, 2, 3], to: join(root, "cat/.hidden.png"))

            let rgb = try Dataset.loadImageFolder(root: root, channels: 3)
            #expect(rgb.classNames == ["bird", "cat"])
            #expect(rgb.labels == [0, 1, 1])
            #expect(
                rgb.images == [
                    10, 200, 10, 200, 10, 200,  // grey replicated to R, G, B planes
                    255, 0, 0, 0, 0, 255,  // planar R, G, B of b.png
                    0, 9, 255, 9, 0, 9,
                ])  // c.png with its alpha dropped
            let grey = try Dataset.loadImageFolder(root: root, channels: 1)
            // Luma = (299 R + 587 G + 114 B + 500) / 1000: red 76, blue 29, green 150.
            #expect(grey.images == [10, 200, 76, 29, 150, 9])
        }
    }

    @Test func aNonPNGFileFailsWithItsPath() throws {
        try withTemporaryDirectory { root in
            try writePNG([1, 2, 3, 4], width: 2, height: 2, channels: 1, to: join(root, "a/good.png"))
            try write(Array("GIF89a....".utf8), to: join(root, "a/fake.png"))
            let error = #expect(throws: DatasetError.self) { try Dataset.loadImageFolder(root: root, channels: 1) }
            guard case .unreadableImage(let path, _)? = error else {
                Issue.record("expected unreadableImage, got \(String(describing: error))")
                return
            }
            #expect(path == join(root, "a/fake.png"))
        }
    }

    @Test func aTruncatedPNGFailsWithItsPath() throws {
        try withTemporaryDirectory { root in
            let png = try PNGCodec.encode(
                PNGPixels(
                    width: 8, height: 8, channels: 3,
                    bytes: pixelPattern(count: 192, seed: 5)))
            try write(Array(png.prefix(png.count - 30)), to: join(root, "a/cut.png"))
            let error = #expect(throws: DatasetError.self) { try Dataset.loadImageFolder(root: root, channels: 3) }
            #expect(error?.description.hasPrefix(join(root, "a/cut.png") + ": not a readable image") == true)
        }
    }

    @Test func imagesOfDifferentSizesFailNamingTheFile() throws {
        try withTemporaryDirectory { root in
            try writePNG([1, 2, 3, 4], width: 2, height: 2, channels: 1, to: join(root, "a/1.png"))
            try writePNG([1, 2, 3], width: 3, height: 1, channels: 1, to: join(root, "b/2.png"))
            let error = #expect(throws: DatasetError.self) { try Dataset.loadImageFolder(root: root, channels: 1) }
            #expect(error == .imageSizeMismatch(path: join(root, "b/2.png"), expected: "2x2", found: "3x1"))
        }
    }

    @Test func missingOrEmptyFoldersAreReported() throws {
        try withTemporaryDirectory { root in
            let absent = join(root, "absent")
            let missing = #expect(throws: DatasetError.self) { try Dataset.loadImageFolder(root: absent, channels: 3) }
            #expect(missing?.description.contains(absent) == true)
            try FileManager.default.createDirectory(
                atPath: join(root, "empty-class"), withIntermediateDirectories: true)
            let empty = #expect(throws: DatasetError.self) { try Dataset.loadImageFolder(root: root, channels: 3) }
            #expect(
                empty?.description.contains(join(root, "empty-class")) == true
                    && empty?.description.contains("holds no .png, .jpg or .jpeg images") == true)
        }
    }

    @Test func trainAndTestSubfoldersShareClassNames() throws {
        try withTemporaryDirectory { root in
            for name in ["train/ant/1.png", "train/bee/1.png", "train/cow/1.png", "test/cow/1.png"] {
                try writePNG([7], width: 1, height: 1, channels: 1, to: join(root, name))
            }
            let train = try DatasetKind.folder.load(.train, root: root, channels: 1)
            let test = try DatasetKind.folder.load(.test, root: root, channels: 1, classNames: train.classNames)
            #expect(train.classNames == ["ant", "bee", "cow"])
            #expect(test.labels == [2])
            try writePNG([7], width: 1, height: 1, channels: 1, to: join(root, "test/dog/1.png"))
            #expect(throws: DatasetError.self) {
                try DatasetKind.folder.load(.test, root: root, channels: 1, classNames: train.classNames)
            }
        }
    }
}
