import Foundation
import SeededRandom

extension Dataset {
    /// Generated, learnable images for tests of other modules: class k is a stripe pattern at angle k*pi/classes
    /// with a class-dependent brightness and per-channel phase, plus uniform noise in -noise...noise; labels cycle
    /// 0, 1, ..., classes-1. The same arguments always give the same pixels.
    public static func synthetic(
        classes: Int, channels: Int, height: Int, width: Int, count: Int,
        seed: UInt64 = 0, noise: Int = 40
    ) throws -> Dataset {
        guard classes > 0, count >= 0, noise >= 0 else {
            throw DatasetError.invalidArgument(
                "synthetic dataset: classes (\(classes)), count (\(count)) and noise (\(noise)) must be positive")
        }
        let patterns = (0..<classes).map {
            classPattern(
                $0, classes: classes, channels: channels,
                height: height, width: width)
        }
        var generator = SplitMix64(seed: SplitMix64.mix(seed, 0x5359_4E54))
        let imageSize = channels * height * width
        var pixels = [UInt8](repeating: 0, count: count * imageSize)
        var labels = [Int32](repeating: 0, count: count)
        for sample in 0..<count {
            let label = sample % classes
            labels[sample] = Int32(label)
            for offset in 0..<imageSize {
                let jitter = noise > 0 ? generator.nextInt(below: 2 * noise + 1) - noise : 0
                pixels[sample * imageSize + offset] = UInt8(clamping: patterns[label][offset] + jitter)
            }
        }
        return try Dataset(
            images: pixels, labels: labels, classNames: (0..<classes).map { "class \($0)" },
            channels: channels, height: height, width: width)
    }
}

/// The noiseless image of class `index`, (channels, height, width), values around 128.
private func classPattern(_ index: Int, classes: Int, channels: Int, height: Int, width: Int) -> [Int] {
    let angle = Double.pi * Double(index) / Double(classes)
    let period = Double(max(4, min(height, width) / 2))
    let brightness = Double(index * 60 / max(classes - 1, 1)) - 30
    var pattern = [Int]()
    pattern.reserveCapacity(channels * height * width)
    for channel in 0..<channels {
        for y in 0..<height {
            for x in 0..<width {
                let phase = 2 * Double.pi * (Double(x) * cos(angle) + Double(y) * sin(angle)) / period
                pattern.append(Int(128 + brightness + 70 * cos(phase + 0.7 * Double(channel))))
            }
        }
    }
    return pattern
}
