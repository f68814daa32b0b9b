import Foundation

/// Where one exit sits: the sub-network (stage) it ends and the spatial size that sub-network works at.
public struct ExitPlacement: Equatable, Sendable {
    /// RANet: the sub-network (0 = coarsest); MSDNet: the block.
    public var subnetwork: Int
    public var height: Int
    public var width: Int

    public init(subnetwork: Int, height: Int, width: Int) {
        self.subnetwork = subnetwork
        self.height = height
        self.width = width
    }
}

extension ModelConfig {
    /// One placement per exit, worked out from the config alone (no network is built), or nil when the config is
    /// inconsistent (wrong input rank, scale list not one per sub-network).
    ///
    /// RANet: sub-network h (0 = coarsest) owns blocks(h) - blocks(h-1) exits and works at the resolution of the
    /// stem's feature map of its scale; the stem halves the side (3x3 stride-2 conv) wherever scaleList steps down.
    /// MSDNet: exit b ends block b and its classifier reads the coarsest scale.
    public var exitLayout: [ExitPlacement]? {
        switch self {
        case .ranet(let ranet): return ExitLayout.ranet(ranet)
        case .msdnet(let msdnet): return ExitLayout.msdnet(msdnet)
        }
    }
}

/// The arithmetic behind `ModelConfig.exitLayout`.
enum ExitLayout {
    static func ranet(_ config: RANetConfig) -> [ExitPlacement]? {
        let count = config.subnetworks
        guard count > 0, config.input.count == 3, config.scaleList.count == count else { return nil }
        var sides = [(height: Int, width: Int)](repeating: (0, 0), count: count)
        sides[count - 1] = (
            stemSide(config.input[1], imagenet: config.isImageNetStem),
            stemSide(config.input[2], imagenet: config.isImageNetStem)
        )
        for h in stride(from: count - 2, through: 0, by: -1) {
            let finer = sides[h + 1]
            sides[h] = config.scaleList[h] == config.scaleList[h + 1] ? finer : (half(finer.height), half(finer.width))
        }
        return (0..<count).flatMap { h in
            Array(
                repeating: ExitPlacement(subnetwork: h, height: sides[h].height, width: sides[h].width),
                count: config.blocks(h) - config.blocks(h - 1))
        }
    }

    static func msdnet(_ config: MSDNetConfig) -> [ExitPlacement]? {
        guard config.input.count == 3, config.scales > 0 else { return nil }
        var height = stemSide(config.input[1], imagenet: config.isImageNetStem)
        var width = stemSide(config.input[2], imagenet: config.isImageNetStem)
        for _ in 1..<config.scales {
            height = half(height)
            width = half(width)
        }
        return (0..<config.nBlocks).map { ExitPlacement(subnetwork: $0, height: height, width: width) }
    }

    /// Side after the first layer: unchanged for the CIFAR stem, a stride-2 conv and a stride-2 max-pool for ImageNet.
    static func stemSide(_ side: Int, imagenet: Bool) -> Int { imagenet ? half(half(side)) : side }

    /// A 3x3 (or 7x7) stride-2 convolution with "same" padding: ceil(side / 2).
    static func half(_ side: Int) -> Int { (side + 1) / 2 }
}

extension ModelConfig {
    /// The exit layout of a config stored as JSON (a run's config), or nil when it does not decode or is inconsistent.
    public static func exitLayout(configJSON: String) -> [ExitPlacement]? {
        guard let data = configJSON.data(using: .utf8),
            let config = try? JSONDecoder().decode(ModelConfig.self, from: data)
        else { return nil }
        return config.exitLayout
    }
}
