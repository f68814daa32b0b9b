import AdaptiveNets
import Foundation

/// Which sub-network each exit ends and at what resolution that sub-network works, from a run's stored config.
enum ExitLayout {
    /// One entry per exit, or nil when the config cannot be read (then the dashboard shows "-").
    ///
    /// RANet: sub-network h (0 = coarsest) owns blocks(h) - blocks(h-1) exits and reads the stem's feature map of
    /// its scale; the stem halves the side (3x3 stride-2 conv) wherever scaleList steps down. MSDNet: exit b ends
    /// block b and its classifier reads the coarsest scale.
    static func exits(configJSON: String) -> [(subnetwork: Int, resolution: Int)]? {
        guard let data = configJSON.data(using: .utf8),
            let config = try? JSONDecoder().decode(ModelConfig.self, from: data)
        else { return nil }
        switch config {
        case .ranet(let ranet):
            let count = ranet.subnetworks
            guard count > 0, ranet.input.count == 3, ranet.scaleList.count == count else { return nil }
            var resolution = [Int](repeating: 0, count: count)
            resolution[count - 1] = stemSide(ranet.input[1], imagenet: ranet.isImageNetStem)
            for h in stride(from: count - 2, through: 0, by: -1) {
                resolution[h] =
                    ranet.scaleList[h] == ranet.scaleList[h + 1] ? resolution[h + 1] : half(resolution[h + 1])
            }
            return (0..<count).flatMap { h in
                Array(
                    repeating: (subnetwork: h, resolution: resolution[h]), count: ranet.blocks(h) - ranet.blocks(h - 1))
            }
        case .msdnet(let msdnet):
            guard msdnet.input.count == 3, msdnet.scales > 0 else { return nil }
            var side = stemSide(msdnet.input[1], imagenet: msdnet.isImageNetStem)
            for _ in 1..<msdnet.scales { side = half(side) }
            return (0..<msdnet.nBlocks).map { (subnetwork: $0, resolution: side) }
        }
    }

    /// Side after the first layer: unchanged for the CIFAR stem, a stride-2 conv and a stride-2 max-pool for ImageNet.
    static func stemSide(_ side: Int, imagenet: Bool) -> Int { imagenet ? half(half(side)) : side }

    /// A 3x3 (or 7x7) stride-2 convolution with "same" padding: ceil(side / 2).
    static func half(_ side: Int) -> Int { (side + 1) / 2 }
}
