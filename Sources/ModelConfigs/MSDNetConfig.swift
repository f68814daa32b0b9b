import Foundation

/// An MSDNet configuration (Huang et al., ICLR 2018); the JSON keys are those of the `config` objects in
/// `golden/msdnet_configs.json`, and a config file says `"arch": "msdnet"`.
///
/// The reference's argparse fields map one to one (`stepmode` -> `stepMode`, `num_classes` -> `classes`); `stem` picks
/// the CIFAR (3x3) or ImageNet (7x7 + max-pool) first layer and the matching classifiers.
public struct MSDNetConfig: Codable, Equatable, Sendable {
    /// "msdnet" in config files; nil in presets (the `ModelConfig` case carries the architecture).
    public var arch: String?
    public var nBlocks: Int
    /// "even" (every block after the first has `step` layers) or "linGrow" (block i has step*i+1 layers).
    public var stepMode: String
    public var step: Int
    /// MSDN layers of the first block.
    public var base: Int
    /// Base width of the first layer's finest scale.
    public var nChannels: Int
    /// Channels each MSDN layer adds at the finest scale (times grFactor[s] at scale s).
    public var growthRate: Int
    /// Width multiplier of each scale, finest first; its length is the number of scales.
    public var grFactor: [Int]
    /// Bottleneck width multiplier of each scale.
    public var bnFactor: [Int]
    /// Only "max" (drop the finest scale at evenly spaced layers), the reference default.
    public var prune: String
    /// Transition compression after each scale drop (0 = no transitions).
    public var reduction: Double
    /// The reference's command line can only give true (args.py quirk Q2); false drops the 1x1 bottleneck convs.
    public var bottleneck: Bool
    public var classes: Int
    /// "cifar" or "imagenet".
    public var stem: String
    /// Input channels, height, width.
    public var input: [Int]

    /// A config from its fields; prune, reduction, bottleneck and stem default to the reference's CIFAR settings.
    public init(
        nBlocks: Int, stepMode: String, step: Int, base: Int, nChannels: Int, growthRate: Int, grFactor: [Int],
        bnFactor: [Int], prune: String = "max", reduction: Double = 0.5, bottleneck: Bool = true, classes: Int,
        stem: String = "cifar", input: [Int]
    ) {
        self.nBlocks = nBlocks
        self.stepMode = stepMode
        self.step = step
        self.base = base
        self.nChannels = nChannels
        self.growthRate = growthRate
        self.grFactor = grFactor
        self.bnFactor = bnFactor
        self.prune = prune
        self.reduction = reduction
        self.bottleneck = bottleneck
        self.classes = classes
        self.stem = stem
        self.input = input
    }

    enum CodingKeys: String, CodingKey {
        case arch, nBlocks, stepMode, step, base, nChannels, growthRate, grFactor, bnFactor, prune, reduction,
            bottleneck
        case classes, stem, input
    }

    /// Decodes a config; prune, reduction, bottleneck and stem may be left out (reference defaults).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        arch = try c.decodeIfPresent(String.self, forKey: .arch)
        nBlocks = try c.decode(Int.self, forKey: .nBlocks)
        stepMode = try c.decode(String.self, forKey: .stepMode)
        step = try c.decode(Int.self, forKey: .step)
        base = try c.decode(Int.self, forKey: .base)
        nChannels = try c.decode(Int.self, forKey: .nChannels)
        growthRate = try c.decode(Int.self, forKey: .growthRate)
        grFactor = try c.decode([Int].self, forKey: .grFactor)
        bnFactor = try c.decode([Int].self, forKey: .bnFactor)
        prune = try c.decodeIfPresent(String.self, forKey: .prune) ?? "max"
        reduction = try c.decodeIfPresent(Double.self, forKey: .reduction) ?? 0.5
        bottleneck = try c.decodeIfPresent(Bool.self, forKey: .bottleneck) ?? true
        classes = try c.decode(Int.self, forKey: .classes)
        stem = try c.decodeIfPresent(String.self, forKey: .stem) ?? "cifar"
        input = try c.decode([Int].self, forKey: .input)
    }

    /// Number of scales (the reference's nScales = len(grFactor)).
    public var scales: Int { grFactor.count }
    /// One exit per block.
    public var exitCount: Int { nBlocks }
    /// 7x7 stride-2 conv with bias + max-pool first layer and ImageNet classifiers (keep C channels).
    public var isImageNetStem: Bool { stem == "imagenet" }

    /// MSDN layers of each block: `base`, then `step` (even) or step*i+1 (linGrow).
    public var layersPerBlock: [Int] {
        (0..<max(nBlocks, 0)).map { i in i == 0 ? base : stepMode == "even" ? step : step * i + 1 }
    }

    /// Scales (inScales, outScales) of global layer l = 1...total under prune "max" (README item 2).
    func scaleCounts(layer l: Int, total: Int) -> (inScales: Int, outScales: Int) {
        let S = scales
        let interval = (total + S - 1) / S
        return (S - max(0, l - 2) / interval, S - (l - 1) / interval)
    }

    /// One MSDN layer of the build plan.
    package struct LayerPlan: Equatable {
        /// Base width n entering the layer (scale s carries n*grFactor[s] channels).
        package var width: Int
        package var inScales: Int
        package var outScales: Int
        /// Base width after the transition that follows this layer, if one does.
        package var transitionWidth: Int?
    }

    /// Every layer of every block in build order (what the reference's `_build_block` loop creates).
    package func plan() -> [[LayerPlan]] {
        let counts = layersPerBlock
        let total = counts.reduce(0, +)
        var n = nChannels
        var l = 0
        return counts.map { count in
            (0..<count).map { _ in
                l += 1
                let (inS, outS) = scaleCounts(layer: l, total: total)
                var layer = LayerPlan(width: n, inScales: inS, outScales: outS, transitionWidth: nil)
                n += growthRate
                if inS > outS && reduction > 0 {
                    // The floor is taken on the base width before the per-scale factor (quirk Q5).
                    n = Int((reduction * Double(n)).rounded(.down))
                    layer.transitionWidth = n
                }
                return layer
            }
        }
    }

    /// Base width leaving each block (classifier k reads n*grFactor[-1] channels).
    package var blockOutputWidths: [Int] {
        var n = nChannels
        return plan().map { block in
            for layer in block { n = layer.transitionWidth ?? (layer.width + growthRate) }
            return n
        }
    }
}
