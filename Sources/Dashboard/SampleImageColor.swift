import ExperimentRecords
extension SampleImage {
    /// The colour of pixel (x, y), read from the channel-major (CHW) pixels; out-of-range or short data gives black.
    public func color(x: Int, y: Int) -> RGB {
        let plane = width * height
        let offset = y * width + x
        guard x >= 0, y >= 0, x < width, y < height, offset + (max(channels, 1) - 1) * plane < pixels.count else {
            return RGB(grey: 0)
        }
        if channels >= 3 { return RGB(pixels[offset], pixels[offset + plane], pixels[offset + 2 * plane]) }
        return RGB(grey: pixels[offset])
    }
}
