@testable import Datasets
import Foundation
import SeededRandom
import Testing

/// A smooth RGB gradient (JPEG keeps smooth images close to their pixels), interleaved.
private func gradient(width: Int, height: Int, channels: Int = 3) -> PNGPixels {
    var bytes: [UInt8] = []
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<channels { bytes.append(UInt8(x * 150 / max(width - 1, 1) + y * 3 % 45 + c * 20)) }
        }
    }
    return PNGPixels(width: width, height: height, channels: channels, bytes: bytes)
}

private func writeJPEG(_ pixels: PNGPixels, to path: String, progressive: Bool = false) throws {
    try write(try JPEGCodec.encode(pixels, quality: 95, progressive: progressive), to: path)
}

private func meanAbsoluteError(_ a: [UInt8], _ b: [UInt8]) -> Double {
    zip(a, b).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(a.count)
}

@Suite struct JPEGTests {
    @Test(arguments: [(3, false), (1, false), (3, true)])
    func decodesBaselineProgressiveAndGreyJPEGs(channels: Int, progressive: Bool) throws {
        let original = gradient(width: 24, height: 16, channels: channels)
        let decoded = try JPEGCodec.decode(try JPEGCodec.encode(original, quality: 95, progressive: progressive))
        #expect(decoded.width == 24 && decoded.height == 16 && decoded.channels == channels)
        #expect(meanAbsoluteError(decoded.bytes, original.bytes) < 3)
    }

    /// Every bad file fails with its path and the reason; nothing is decoded into grey filler.
    @Test func badJPEGsAreRefusedNamingTheFile() throws {
        let good = try JPEGCodec.encode(gradient(width: 64, height: 64), quality: 90)
        var twelveBit = good
        var sixteenBit = good
        // The start-of-frame marker (FF C0) is followed by its length (2 bytes) and the sample precision.
        let sof = try #require((0..<(good.count - 1)).first { good[$0] == 0xFF && good[$0 + 1] == 0xC0 })
        twelveBit[sof + 4] = 12
        sixteenBit[sof + 4] = 16
        let cmyk = try JPEGCodec.encode(gradient(width: 8, height: 8, channels: 4))
        let cases: [(String, [UInt8], String)] = [
            ("cut.jpg", Array(good.prefix(good.count * 4 / 5)), "truncated or corrupt JPEG"),
            ("header-only.jpg", Array(good.prefix(100)), "truncated or corrupt JPEG"),
            ("cmyk.jpg", cmyk, "CMYK JPEG"),
            ("twelve.jpg", twelveBit, "precision 12"),
            ("sixteen.jpeg", sixteenBit, "precision 16"),
            ("text.JPG", Array("hello, not a photo".utf8), "neither a PNG nor a JPEG"),
            ("empty.jpg", [], "empty file"),
        ]
        for (name, bytes, reason) in cases {
            let error = #expect(throws: DatasetError.self) { try ImageDecoding.decode(bytes, path: name) }
            let text = error?.description ?? ""
            #expect(text.hasPrefix(name + ": not a readable image") && text.contains(reason), "\(name): \(text)")
        }
        // A .jpg holding a PNG is read by its content.
        let png = try PNGCodec.encode(gradient(width: 4, height: 4))
        #expect(try ImageDecoding.decode(png, path: "really-a-png.jpg").width == 4)
    }

    /// ImageNet layout (train/<class>/*.JPEG, val/<class>/*.JPEG) of photos of several sizes: kept at the resize
    /// side round(16 * 256 / 224) = 18, centre-cropped to 16 for evaluation, random-resized-cropped for training.
    @Test func imagenetLayoutFolderLoadsThroughTheReferenceTransforms() throws {
        try withTemporaryDirectory { root in
            let sizes = [(40, 30), (30, 44), (18, 18)]
            for part in ["train", "val"] {
                for (c, name) in ["n01", "n02"].enumerated() {
                    for (i, size) in sizes.enumerated() {
                        try writeJPEG(
                            gradient(width: size.0 + c, height: size.1),
                            to: join(root, "\(part)/\(name)/img\(i).JPEG"))
                    }
                }
            }
            try write(try PNGCodec.encode(gradient(width: 20, height: 20)), to: join(root, "train/n02/extra.png"))
            let train = try DatasetKind.folder.load(.train, root: root, channels: 3, input: (16, 16))
            #expect(train.count == 7 && train.height == 18 && train.width == 18 && train.classNames == ["n01", "n02"])
            let test = try DatasetKind.folder.load(.test, root: root, channels: 3, input: (16, 16))
            #expect(test.count == 6 && test.height == 18)
            let cropped = try test.evaluationCrop(input: [3, 16, 16])
            #expect(cropped.height == 16 && cropped.width == 16)
            // The centre crop is the middle 16x16 of the 18x18 image (offset round(2 / 2) = 1).
            #expect(Array(cropped.image(at: 0).prefix(16)) == Array(test.image(at: 0)[(18 + 1)..<(18 + 17)]))

            let loader = try BatchLoader(
                dataset: train, batchSize: 4, normalization: .unit(channels: 3), augmentation: .imagenet, seed: 5,
                outputSize: (16, 16))
            let batch = loader.batch(epoch: 0, index: 0)
            #expect(batch.height == 16 && batch.width == 16 && batch.images.count == 4 * 3 * 16 * 16)
            #expect(batch == loader.batch(epoch: 0, index: 0), "augmentation is a function of (seed, epoch, batch)")
            for draw in loader.draws(epoch: 1, batch: 0, count: 50) {
                #expect(draw.cropHeight >= 1 && draw.offsetY + draw.cropHeight <= 18)
                #expect(draw.cropWidth >= 1 && draw.offsetX + draw.cropWidth <= 18)
            }
            // Without the model's input the folder's sizes must agree, as for PNG folders.
            #expect(throws: DatasetError.self) { try DatasetKind.folder.load(.train, root: root, channels: 3) }
        }
    }

    @Test func tooSmallImagesAndEmptyClassFoldersFailNamingThePath() throws {
        try withTemporaryDirectory { root in
            try writeJPEG(gradient(width: 30, height: 20), to: join(root, "a/big.jpg"))
            try writeJPEG(gradient(width: 1, height: 1), to: join(root, "a/pixel.jpg"))
            let tiny = #expect(throws: DatasetError.self) {
                try Dataset.loadImageFolder(root: root, channels: 3, input: (16, 16))
            }
            #expect(tiny?.description.contains(join(root, "a/pixel.jpg")) == true, "\(String(describing: tiny))")
            try FileManager.default.removeItem(atPath: join(root, "a/pixel.jpg"))
            try FileManager.default.createDirectory(atPath: join(root, "b"), withIntermediateDirectories: true)
            let empty = #expect(throws: DatasetError.self) {
                try Dataset.loadImageFolder(root: root, channels: 3, input: (16, 16))
            }
            #expect(
                empty?.description.contains(join(root, "b")) == true
                    && empty?.description.contains("holds no .png, .jpg or .jpeg images") == true)
        }
    }

    /// Resampling as PIL's bilinear resize: identity at the same size, the antialiasing triangle when shrinking.
    @Test func resizeMatchesPILsBilinearFilter() throws {
        let row: [UInt8] = [0, 100, 200, 255]
        let same = row.withUnsafeBufferPointer {
            ImageResize.resample(
                $0, channels: 1, height: 1, width: 4, box: (0, 0, 1, 4), outputHeight: 1, outputWidth: 4)
        }
        #expect(same == row)
        // 4 -> 2: output 0 has center 1.0 and support 2, taps x = 0, 1, 2 with triangle weights 0.75, 0.75, 0.25
        // (normalised by 1.75): (0 * 0.75 + 100 * 0.75 + 200 * 0.25) / 1.75 = 71.4 -> 71; output 1 has center 3.0,
        // taps x = 1, 2, 3 with 0.25, 0.75, 0.75: (25 + 150 + 191.25) / 1.75 = 209.3 -> 209.
        let half = row.withUnsafeBufferPointer {
            ImageResize.resample(
                $0, channels: 1, height: 1, width: 4, box: (0, 0, 1, 4), outputHeight: 1, outputWidth: 2)
        }
        #expect(half == [71, 209])
        #expect(ImageNetTransforms.resizeSide(forInput: 224) == 256)
        #expect(ImageResize.shorterSide(256, height: 375, width: 500) == (256, 341))
    }
}
