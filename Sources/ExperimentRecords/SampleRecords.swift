import Foundation

/// A small image kept with a sample so the dashboard can draw it without the dataset (CHW, UInt8).
public struct SampleImage: Sendable, Hashable, Codable {
    /// Colour channels (1 or 3).
    public var channels: Int
    /// Height in pixels.
    public var height: Int
    /// Width in pixels.
    public var width: Int
    /// Pixels in channel-major (CHW) order, `channels * height * width` bytes.
    public var pixels: [UInt8]

    /// Creates an image; `pixels.count` must equal `channels * height * width`.
    public init(channels: Int, height: Int, width: Int, pixels: [UInt8]) {
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
    }
}

/// What every exit said about one sample of an evaluation: enough to replay any threshold policy exactly.
public struct SampleRecord: Sendable, Hashable, Codable {
    /// Index of the sample in its dataset split.
    public var sampleIndex: Int
    /// True class.
    public var label: Int32
    /// Max softmax probability per exit.
    public var maxProb: [Float]
    /// Softmax entropy (nats) per exit.
    public var entropy: [Float]
    /// Top-1 minus top-2 softmax probability per exit.
    public var margin: [Float]
    /// Predicted class per exit.
    public var predicted: [Int32]
    /// Optional thumbnail of the input (nil when not stored).
    public var image: SampleImage?

    /// Creates a sample record.
    public init(
        sampleIndex: Int, label: Int32, maxProb: [Float], entropy: [Float], margin: [Float],
        predicted: [Int32], image: SampleImage? = nil
    ) {
        self.sampleIndex = sampleIndex
        self.label = label
        self.maxProb = maxProb
        self.entropy = entropy
        self.margin = margin
        self.predicted = predicted
        self.image = image
    }
}

/// All samples of an evaluation as struct-of-arrays; per-exit arrays are exit-major
/// (`values[exit * sampleCount + sample]`) so a policy scans one exit contiguously.
public struct SampleTable: Sendable, Hashable {
    /// Number of exits.
    public var exitCount: Int
    /// Dataset index of each sample, ascending.
    public var sampleIndices: [Int32]
    /// True class of each sample.
    public var labels: [Int32]
    /// Max softmax probability, exit-major.
    public var maxProb: [Float]
    /// Softmax entropy (nats), exit-major.
    public var entropy: [Float]
    /// Top-1 minus top-2 probability, exit-major.
    public var margin: [Float]
    /// Predicted class, exit-major.
    public var predicted: [Int32]

    /// Number of samples.
    public var sampleCount: Int { labels.count }

    /// Creates a table; per-exit arrays must hold `exitCount * labels.count` values, exit-major.
    public init(
        exitCount: Int, sampleIndices: [Int32], labels: [Int32], maxProb: [Float], entropy: [Float],
        margin: [Float], predicted: [Int32]
    ) {
        self.exitCount = exitCount
        self.sampleIndices = sampleIndices
        self.labels = labels
        self.maxProb = maxProb
        self.entropy = entropy
        self.margin = margin
        self.predicted = predicted
    }

    /// Offset of (exit, sample) in the exit-major arrays.
    @inlinable public func offset(exit: Int, sample: Int) -> Int { exit * labels.count + sample }

    /// The table's row `sample` as a record (no image).
    public func record(at sample: Int) -> SampleRecord {
        let offsets = (0..<exitCount).map { offset(exit: $0, sample: sample) }
        return SampleRecord(
            sampleIndex: Int(sampleIndices[sample]), label: labels[sample],
            maxProb: offsets.map { maxProb[$0] }, entropy: offsets.map { entropy[$0] },
            margin: offsets.map { margin[$0] }, predicted: offsets.map { predicted[$0] })
    }
}
