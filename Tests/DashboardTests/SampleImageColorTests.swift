import Dashboard
import ExperimentRecords
import Testing

@Suite struct SampleImageColorTests {
    @Test func readsChannelMajorPixels() {
        // 2x1 RGB image, channel-major: the red plane, then green, then blue.
        let image = SampleImage(channels: 3, height: 1, width: 2, pixels: [10, 11, 20, 21, 30, 31])
        #expect(image.color(x: 0, y: 0) == RGB(10, 20, 30))
        #expect(image.color(x: 1, y: 0) == RGB(11, 21, 31))
    }

    @Test func greyOutOfRangeAndShortData() {
        let grey = SampleImage(channels: 1, height: 2, width: 2, pixels: [0, 50, 100, 150])
        #expect(grey.color(x: 1, y: 1) == RGB(grey: 150))
        #expect(grey.color(x: 2, y: 0) == RGB(grey: 0))
        let short = SampleImage(channels: 3, height: 1, width: 2, pixels: [10, 11, 20, 21])
        #expect(short.color(x: 0, y: 0) == RGB(grey: 0))
    }
}
