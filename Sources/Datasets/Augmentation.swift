import Foundation
import SeededRandom

/// Training-time augmentation as torchvision's `RandomCrop(size, padding:)` then `RandomHorizontalFlip(0.5)`, or
/// (ImageNet) `RandomResizedCrop(input)` then `RandomHorizontalFlip(0.5)`.
/// Padding is zero (black) in the raw image, before normalisation, so padded pixels become (0 - mean) / std.
public struct Augmentation: Sendable, Equatable, Codable {
    /// Zero pixels added on every side before cropping back to the original size (0 = no crop).
    public var padding: Int
    /// Whether to mirror left-right with probability 0.5.
    public var horizontalFlip: Bool
    /// torchvision's RandomResizedCrop (scale 0.08...1 of the area, aspect ratio 3/4...4/3, bilinear resize to the
    /// loader's output size) instead of the padded crop.
    public var randomResizedCrop: Bool

    /// Creates an augmentation; `padding` must be >= 0.
    public init(padding: Int, horizontalFlip: Bool, randomResizedCrop: Bool = false) {
        self.padding = max(padding, 0)
        self.horizontalFlip = horizontalFlip
        self.randomResizedCrop = randomResizedCrop
    }

    private enum CodingKeys: String, CodingKey { case padding, horizontalFlip, randomResizedCrop }

    /// Runs stored before `randomResizedCrop` existed have no such key: false.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        padding = try container.decode(Int.self, forKey: .padding)
        horizontalFlip = try container.decode(Bool.self, forKey: .horizontalFlip)
        randomResizedCrop = try container.decodeIfPresent(Bool.self, forKey: .randomResizedCrop) ?? false
    }

    /// The reference's ImageNet training transform: random-resized crop to the model's input, horizontal flip.
    public static let imagenet = Augmentation(padding: 0, horizontalFlip: true, randomResizedCrop: true)
    /// RandomResizedCrop's defaults: the crop covers 8% to 100% of the image, aspect ratio 3/4 to 4/3.
    static let cropAreaRange = 0.08...1.0
    static let cropRatioRange = (3.0 / 4)...(4.0 / 3)
    /// RandomResizedCrop tries this many random boxes before falling back to the centre crop.
    static let cropAttempts = 10

    /// No augmentation (evaluation).
    public static let none = Augmentation(padding: 0, horizontalFlip: false)
    /// CIFAR as the paper: zero-pad 4, random 32x32 crop, horizontal flip with p = 0.5.
    public static let cifar = Augmentation(padding: 4, horizontalFlip: true)
    /// (Fashion-)MNIST: zero-pad 4 and random crop, no flip (mirrored digits and garments change meaning).
    public static let mnist = Augmentation(padding: 4, horizontalFlip: false)

    /// Draws one sample's crop offsets (each in 0...2*padding) and flip from `generator`, in that fixed order; with
    /// `randomResizedCrop`, the crop box in an image of `height` x `width` (torchvision's get_params) then the flip.
    public func draw(using generator: inout SplitMix64, height: Int = 0, width: Int = 0) -> AugmentationDraw {
        if randomResizedCrop {
            var box = (y: 0, x: 0, height: height, width: width)
            let area = Double(height * width)
            let logRatio = log(Self.cropRatioRange.lowerBound)...log(Self.cropRatioRange.upperBound)
            for _ in 0..<Self.cropAttempts {
                let target =
                    area * (Self.cropAreaRange.lowerBound + generator.unit() * (1 - Self.cropAreaRange.lowerBound))
                let ratio = exp(logRatio.lowerBound + generator.unit() * (logRatio.upperBound - logRatio.lowerBound))
                let w = Int((target * ratio).squareRoot().rounded())
                let h = Int((target / ratio).squareRoot().rounded())
                if w > 0, w <= width, h > 0, h <= height {
                    box = (generator.nextInt(below: height - h + 1), generator.nextInt(below: width - w + 1), h, w)
                    break
                }
            }
            let flip = horizontalFlip ? generator.nextInt(below: 2) == 1 : false
            return AugmentationDraw(
                offsetY: box.y, offsetX: box.x, flip: flip, padding: 0, cropHeight: box.height, cropWidth: box.width)
        }
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
    /// Random-resized crop: the box's height and width at (offsetY, offsetX), resized to the output (0: no box).
    public var cropHeight: Int
    public var cropWidth: Int

    /// The identity: no shift, no flip.
    public static let identity = AugmentationDraw(offsetY: 0, offsetX: 0, flip: false, padding: 0)

    /// Creates a draw explicitly (tests, replays).
    public init(offsetY: Int, offsetX: Int, flip: Bool, padding: Int, cropHeight: Int = 0, cropWidth: Int = 0) {
        self.offsetY = offsetY
        self.offsetX = offsetX
        self.flip = flip
        self.padding = padding
        self.cropHeight = cropHeight
        self.cropWidth = cropWidth
    }
}

/// Writes one image's random-resized crop (`draw`'s box resized to outputHeight x outputWidth, then mirrored when
/// `draw.flip`), normalised through `table`, into `output`.
func writeResizedCrop(
    _ source: UnsafeBufferPointer<UInt8>, channels: Int, height: Int, width: Int, draw: AugmentationDraw,
    outputHeight: Int, outputWidth: Int, table: UnsafeBufferPointer<Float>,
    into output: UnsafeMutableBufferPointer<Float>
) {
    let resized = ImageResize.resample(
        source, channels: channels, height: height, width: width,
        box: (Double(draw.offsetY), Double(draw.offsetX), Double(draw.cropHeight), Double(draw.cropWidth)),
        outputHeight: outputHeight, outputWidth: outputWidth)
    for channel in 0..<channels {
        let plane = channel * outputHeight * outputWidth
        for y in 0..<outputHeight {
            let row = plane + y * outputWidth
            for x in 0..<outputWidth {
                let from = row + (draw.flip ? outputWidth - 1 - x : x)
                output[row + x] = table[channel * 256 + Int(resized[from])]
            }
        }
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
