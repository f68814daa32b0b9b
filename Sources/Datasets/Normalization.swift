/// Per-channel normalisation as torchvision's `ToTensor` + `Normalize`: x = (pixel / 255 - mean) / std.
public struct Normalization: Codable, Sendable, Equatable {
    /// Per-channel mean of pixel / 255.
    public var mean: [Float]
    /// Per-channel (population) standard deviation of pixel / 255.
    public var std: [Float]

    /// Creates a normalisation from explicit statistics (in the 0...1 pixel scale).
    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// The identity in the 0...1 scale: pixel / 255, for `channels` channels.
    public static func unit(channels: Int) -> Normalization {
        Normalization(mean: Array(repeating: 0, count: channels), std: Array(repeating: 1, count: channels))
    }

    /// Statistics of the training images, channel by channel (exact, from per-channel value histograms).
    /// A constant channel (std 0) gets std 1 so that normalising it cannot divide by zero.
    public static func compute(from dataset: Dataset) -> Normalization {
        let histograms = channelHistograms(dataset)
        var mean = [Float]()
        var std = [Float]()
        for histogram in histograms {
            var count = 0.0
            var sum = 0.0
            var squares = 0.0
            for (value, occurrences) in histogram.enumerated() {
                let weight = Double(occurrences)
                let pixel = Double(value)
                count += weight
                sum += weight * pixel
                squares += weight * pixel * pixel
            }
            let average = sum / max(count, 1)
            let deviation = max(squares / max(count, 1) - average * average, 0).squareRoot() / 255
            mean.append(Float(average / 255))
            std.append(deviation > 1e-12 ? Float(deviation) : 1)
        }
        return Normalization(mean: mean, std: std)
    }

    /// How often each byte value occurs, per channel: exact statistics from one increment per pixel.
    private static func channelHistograms(_ dataset: Dataset) -> [[Int]] {
        let plane = dataset.height * dataset.width
        var histograms = [[Int]](repeating: [Int](repeating: 0, count: 256), count: dataset.channels)
        dataset.images.withUnsafeBufferPointer { pixels in
            guard let base = pixels.baseAddress else { return }
            for channel in 0..<dataset.channels {
                histograms[channel].withUnsafeMutableBufferPointer { counts in
                    for image in 0..<dataset.count {
                        let start = base + (image * dataset.channels + channel) * plane
                        var offset = 0
                        while offset < plane {
                            counts[Int(start[offset])] += 1
                            offset += 1
                        }
                    }
                }
            }
        }
        return histograms
    }

    /// Checks that the statistics fit `channels` and that no std is zero, negative or NaN.
    public func validate(channels: Int) throws {
        guard mean.count == channels, std.count == channels else {
            throw DatasetError.invalidArgument(
                "normalisation has \(mean.count) means and \(std.count) stds for \(channels)-channel images")
        }
        guard std.allSatisfy({ $0 > 0 && $0.isFinite }), mean.allSatisfy(\.isFinite) else {
            throw DatasetError.invalidArgument("normalisation std must be positive and finite, got \(std)")
        }
    }

    /// 256-entry lookup table per channel: table[channel * 256 + pixel] is the normalised value.
    func lookupTable() -> [Float] {
        var table = [Float](repeating: 0, count: mean.count * 256)
        for channel in 0..<mean.count {
            for pixel in 0..<256 {
                table[channel * 256 + pixel] = (Float(pixel) / 255 - mean[channel]) / std[channel]
            }
        }
        return table
    }
}
