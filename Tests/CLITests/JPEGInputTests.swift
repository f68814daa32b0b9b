import Datasets
import Foundation
import TestSupport
import Testing

/// `ranet infer --image` reads JPEG files; other sizes are refused unless `--fit` resizes and centre-crops them.
@Suite struct JPEGInputTests {
    @Test func inferReadsJPEGAndFitsOtherSizesOnlyWhenAsked() throws {
        let fixture = try AdaptiveFixture.get()
        let dir = try ImportLogitsTests.temporaryDirectory("jpeg-input")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = TestRNG(seed: 5)
        // The fixture's model takes 12x12 grey: one JPEG of that size, one photo-like 30x20 RGB one.
        let exact = "\(dir)/exact.jpg"
        try Data(
            try JPEGCodec.encode(
                PNGPixels(
                    width: 12, height: 12, channels: 1, bytes: AdaptiveFixture.stripes(label: 2, size: 12, rng: &rng)))
        ).write(to: URL(fileURLWithPath: exact))
        let photo = "\(dir)/photo.JPEG"
        let rgb = (0..<(30 * 20 * 3)).map { UInt8(($0 * 7) % 200) }
        try Data(try JPEGCodec.encode(PNGPixels(width: 30, height: 20, channels: 3, bytes: rgb)))
            .write(to: URL(fileURLWithPath: photo))

        let same = try fixture.json(["infer", "--run", "1", "--image", exact, "--threshold", "0.5"])
        #expect((same["images"] as? [Any])?.count == 1)
        let refused = try fixture.ranet(["infer", "--run", "1", "--image", photo, "--threshold", "0.5"])
        #expect(
            refused.status != 0 && refused.stderr.contains("photo.JPEG: image is 30x20 pixels")
                && refused.stderr.contains("--fit"), "\(refused.stderr)")
        let fitted = try fixture.ranet(["infer", "--run", "1", "--image", photo, exact, "--fit", "--threshold", "0.5"])
        #expect(fitted.status == 0 && fitted.stderr.contains("1 image(s) resized"), "\(fitted.stderr)")
        let noFiles = try fixture.ranet(["infer", "--run", "1", "--fit", "--threshold", "0.5"])
        #expect(noFiles.status != 0 && noFiles.stderr.contains("--fit applies to --image files"))
    }
}
