import SeededRandom

/// Training-time augmentation as torchvision's `RandomCrop(size, padding:)` then `RandomHorizontalFlip(0.5)`.
/// Padding is zero (black) in the raw image, before normalisation, so padded pixels become (0 - mean) / std.
public struct Augmentation: Sendable, Equatable, Codable {
    /// Zero pixels added on every side before cropping back to the original size (0 = no crop).
    public var padding: Int
    /// Whether to mirror left-right with probability 0.5.
    public var horizontalFlip: Bool

    /// Creates an augmentation; `padding` must be >= 0.
    public init(padding: Int, horizontalFlip: Bool) {
        self.padding = max(padding, 0)
        self.horizontalFlip = horizontalFlip
    }

    /// No augmentation (evaluation).
    public static let none = Augmentation(padding: 0, horizontalFlip: false)
    /// CIFAR as the paper: zero-pad 4, random 32x32 crop, horizontal flip with p = 0.5.
    public static let cifar = Augmentation(padding: 4, horizontalFlip: true)
    /// (Fashion-)MNIST: zero-pad 4 and random crop, no flip (mirrored digits and garments change meaning).
    public static let mnist = Augmentation(padding: 4, horizontalFlip: false)

    /// Draws one sample's crop offsets (each in 0...2*padding) and flip from `generator`, in that fixed order.
    public func draw(using generator: inout SplitMix64) -> AugmentationDraw {
        let span = 2 * padding + 1
        let offsetY = padding > 0 ? generator.nextInt(below: span) : 0
        let offsetX = padding > 0 ? generator.nextInt(below: span) : 0
        let flip = horizontalFlip ? generator.nextInt(below: 2) == 1 : false
        return AugmentationDraw(offsetY: offsetY, offsetX: offsetX, flip: flip, padding: padding)
    }
}

/// One sample's random choices: the crop's top-left corner in the padded image and whether to mirror.
public struct AugmentationDraw: Sendable, Equatable {
    /// Crop row in the padded image, 0...2*padding (padding = centred, i.e. no shift).
    public var offsetY: Int
    /// Crop column in the padded image, 0...2*padding.
    public var offsetX: Int
    /// Mirror left-right after cropping.
    public var flip: Bool
    /// The padding the offsets refer to.
    public var padding: Int

    /// The identity: no shift, no flip.
    public static let identity = AugmentationDraw(offsetY: 0, offsetX: 0, flip: false, padding: 0)

    /// Creates a draw explicitly (tests, replays).
    public init(offsetY: Int, offsetX: Int, flip: Bool, padding: Int) {
        self.offsetY = offsetY
        self.offsetX = offsetX
        self.flip = flip
        self.padding = padding
    }
}

/// Writes one image, cropped/flipped by `draw` and normalised through `table` (see `Normalization.lookupTable`),
/// into `output` (channels * height * width floats).
/// Output pixel (y, x) reads source (y + offsetY - padding, x' + offsetX - padding), x' = flip ? width-1-x : x;
/// sources outside the image are the zero pixel.
func writeAugmentedImage(
    _ source: UnsafeBufferPointer<UInt8>, channels: Int, height: Int, width: Int,
    draw: AugmentationDraw, table: UnsafeBufferPointer<Float>,
    into output: UnsafeMutableBufferPointer<Float>
) {
    let shiftY = draw.offsetY - draw.padding
    let shiftX = draw.offsetX - draw.padding
    for channel in 0..<channels {
        let lookup = channel * 256
        let plane = channel * height * width
        let padValue = table[lookup]
        for y in 0..<height {
            let sourceY = y + shiftY
            let row = plane + y * width
            guard sourceY >= 0, sourceY < height else {
                for x in 0..<width { output[row + x] = padValue }
                continue
            }
            let sourceRow = plane + sourceY * width
            for x in 0..<width {
                let sourceX = (draw.flip ? width - 1 - x : x) + shiftX
                output[row + x] =
                    sourceX >= 0 && sourceX < width
                    ? table[lookup + Int(source[sourceRow + sourceX])] : padValue
            }
        }
    }
}
