import Foundation

/// Resampling of 8-bit planar images as PIL's `resize(..., BILINEAR)` (hence torchvision's `Resize`,
/// `CenterCrop` and `RandomResizedCrop` on PIL images): a triangle filter whose support widens with the
/// downscaling factor (antialiasing), applied horizontally then vertically, each pass rounded to 8 bits.
enum ImageResize {
    /// For one axis: the first source index and the normalised weights of each output pixel.
    struct Taps {
        var starts: [Int] = []
        var counts: [Int] = []
        var weights: [Float] = []
        var stride = 0
    }

    /// Taps mapping the source interval [boxStart, boxStart + boxSize) of an axis of `inputSize` pixels onto
    /// `outputSize` pixels (PIL's precompute_coeffs with the bilinear filter, support 1).
    static func taps(inputSize: Int, outputSize: Int, boxStart: Double, boxSize: Double) -> Taps {
        let scale = boxSize / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = filterScale
        let stride = Int(support.rounded(.up)) * 2 + 1
        var taps = Taps(stride: stride)
        taps.weights = [Float](repeating: 0, count: outputSize * stride)
        for i in 0..<outputSize {
            let center = boxStart + (Double(i) + 0.5) * scale
            let low = max(Int(center - support + 0.5), 0)
            let high = min(Int(center + support + 0.5), inputSize)
            var weights: [Double] = []
            for x in low..<max(high, low) {
                weights.append(max(0, 1 - abs((Double(x) - center + 0.5) / filterScale)))
            }
            let total = weights.reduce(0, +)
            taps.starts.append(low)
            taps.counts.append(weights.count)
            for (k, w) in weights.enumerated() { taps.weights[i * stride + k] = Float(total > 0 ? w / total : 0) }
        }
        return taps
    }

    /// Resamples the box (y, x, height, width) of each plane of `source` (channels x height x width) to
    /// outputHeight x outputWidth planes.
    static func resample(
        _ source: UnsafeBufferPointer<UInt8>, channels: Int, height: Int, width: Int,
        box: (y: Double, x: Double, height: Double, width: Double), outputHeight: Int, outputWidth: Int
    ) -> [UInt8] {
        let horizontal = taps(inputSize: width, outputSize: outputWidth, boxStart: box.x, boxSize: box.width)
        let vertical = taps(inputSize: height, outputSize: outputHeight, boxStart: box.y, boxSize: box.height)
        var output = [UInt8](repeating: 0, count: channels * outputHeight * outputWidth)
        var rows = [UInt8](repeating: 0, count: height * outputWidth)
        for channel in 0..<channels {
            let plane = channel * height * width
            for y in 0..<height {
                for i in 0..<outputWidth {
                    var sum: Float = 0
                    let start = horizontal.starts[i]
                    for k in 0..<horizontal.counts[i] {
                        sum +=
                            horizontal.weights[i * horizontal.stride + k] * Float(source[plane + y * width + start + k])
                    }
                    rows[y * outputWidth + i] = clampToByte(sum)
                }
            }
            let out = channel * outputHeight * outputWidth
            for j in 0..<outputHeight {
                let start = vertical.starts[j]
                for i in 0..<outputWidth {
                    var sum: Float = 0
                    for k in 0..<vertical.counts[j] {
                        sum += vertical.weights[j * vertical.stride + k] * Float(rows[(start + k) * outputWidth + i])
                    }
                    output[out + j * outputWidth + i] = clampToByte(sum)
                }
            }
        }
        return output
    }

    @inline(__always) static func clampToByte(_ value: Float) -> UInt8 { UInt8(max(0, min(255, value.rounded()))) }

    /// torchvision's `Resize(side)`: the shorter side becomes `side`, the longer keeps the aspect ratio (truncated).
    static func shorterSide(_ side: Int, height: Int, width: Int) -> (height: Int, width: Int) {
        height <= width
            ? (side, Int(Double(side) * Double(width) / Double(height)))
            : (Int(Double(side) * Double(height) / Double(width)), side)
    }

    /// torchvision's `CenterCrop` offsets: half the excess, rounded half to even as Python's `round`.
    static func centreOffset(_ size: Int, crop: Int) -> Int { Int((Double(size - crop) / 2).rounded(.toNearestOrEven)) }

    /// Copies the `cropHeight` x `cropWidth` window at (top, left) of every plane.
    static func crop(
        _ pixels: [UInt8], channels: Int, height: Int, width: Int, top: Int, left: Int, cropHeight: Int,
        cropWidth: Int
    ) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: channels * cropHeight * cropWidth)
        for channel in 0..<channels {
            for y in 0..<cropHeight {
                let from = channel * height * width + (top + y) * width + left
                let to = (channel * cropHeight + y) * cropWidth
                for x in 0..<cropWidth { output[to + x] = pixels[from + x] }
            }
        }
        return output
    }
}

/// The reference code's ImageNet transforms, at any model input size.
public enum ImageNetTransforms {
    /// torchvision's Resize(256) before CenterCrop(224), scaled to the model's input side: round(side * 256 / 224).
    public static func resizeSide(forInput side: Int) -> Int { Int((Double(side) * 256 / 224).rounded()) }

    /// Evaluation transform of one planar image: the shorter side resized to `resizeSide`, then the centre
    /// `side` x `side` square (Resize + CenterCrop). Images are kept in memory in this form at `side` =
    /// `resizeSide(input)`, from which training crops at random and evaluation takes the centre input crop.
    static func resizeAndCentreCrop(
        _ planar: [UInt8], channels: Int, height: Int, width: Int, resize: Int, crop: (height: Int, width: Int)
    ) -> [UInt8] {
        let size = ImageResize.shorterSide(resize, height: height, width: width)
        let resized =
            size == (height, width)
            ? planar
            : planar.withUnsafeBufferPointer {
                ImageResize.resample(
                    $0, channels: channels, height: height, width: width,
                    box: (0, 0, Double(height), Double(width)), outputHeight: size.height, outputWidth: size.width)
            }
        return ImageResize.crop(
            resized, channels: channels, height: size.height, width: size.width,
            top: ImageResize.centreOffset(size.height, crop: crop.height),
            left: ImageResize.centreOffset(size.width, crop: crop.width), cropHeight: crop.height, cropWidth: crop.width
        )
    }
}

extension Dataset {
    /// Every image through the reference's evaluation transform for a model of `input` (channels, height, width):
    /// shorter side resized to `ImageNetTransforms.resizeSide`, centre crop of the input's height and width.
    public func fitted(toInput input: [Int]) throws -> Dataset {
        guard min(height, width) >= Dataset.minimumResizedSide else {
            throw DatasetError.invalidArgument(
                "image is \(width)x\(height) pixels; images resized to the model's input must be at least "
                    + "\(Dataset.minimumResizedSide)x\(Dataset.minimumResizedSide)")
        }
        let side = ImageNetTransforms.resizeSide(forInput: max(input[1], input[2]))
        var pixels = [UInt8]()
        for index in 0..<count {
            pixels += ImageNetTransforms.resizeAndCentreCrop(
                Array(image(at: index)), channels: channels, height: height, width: width, resize: side,
                crop: (input[1], input[2]))
        }
        return try Dataset(
            images: pixels, labels: labels, classNames: classNames, channels: channels, height: input[1],
            width: input[2])
    }

    /// The centre `height` x `width` window of every image (torchvision's CenterCrop), or the dataset itself when
    /// its images already have that size: the evaluation crop of images kept at `ImageNetTransforms.resizeSide`.
    public func centreCropped(height: Int, width: Int) throws -> Dataset {
        if height == self.height && width == self.width { return self }
        guard height <= self.height, width <= self.width else {
            throw DatasetError.invalidArgument(
                "cannot centre-crop \(self.width)x\(self.height) images to \(width)x\(height)")
        }
        let top = ImageResize.centreOffset(self.height, crop: height)
        let left = ImageResize.centreOffset(self.width, crop: width)
        var pixels = [UInt8]()
        pixels.reserveCapacity(count * channels * height * width)
        for index in 0..<count {
            pixels += ImageResize.crop(
                Array(image(at: index)), channels: channels, height: self.height, width: self.width, top: top,
                left: left, cropHeight: height, cropWidth: width)
        }
        return try Dataset(
            images: pixels, labels: labels, classNames: classNames, channels: channels, height: height, width: width)
    }
}
