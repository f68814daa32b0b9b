import ModelConfigs
import NeuralEngine

/// MSDNet (Huang et al., ICLR 2018) exactly as the official kalviny/MSDNet-PyTorch code builds it; see
/// vectors/MS/README.txt ("MSDNet as implemented").
///
/// Stage k is block k and ends in exit k, which reads the coarsest scale. The state between stages is the per-scale
/// feature list, finest first (it shortens as layers drop scales); every node is batch-first.
public final class MSDNet: PooledFeatureNetwork, @unchecked Sendable {
    public let config: MSDNetConfig
    public let store: ParameterStore
    public let exitStage: [Int]
    public var architecture: String { "msdnet" }
    public var inputShape: [Int] { config.input }
    public var classes: Int { config.classes }
    public var exitCount: Int { config.nBlocks }
    public var stageCount: Int { config.nBlocks }
    public var gradientEquilibrium = false
    public var exitFeatureCounts: [Int] { classifiers.map(\.featureCount) }

    /// First layer (`blocks.0.0.layers.<s>`), one ConvBasic per scale, each reading the previous scale's output.
    let stem: [ConvBasic]
    /// Width each stem output's channel buffer is given for the concatenations that follow it.
    let stemReserves: [Int]
    /// Each block's modules after the stem, in Sequential order.
    let blocks: [[MSDNModule]]
    let classifiers: [MSDNetClassifier]

    /// Builds the model with PyTorch-default initial weights, as the reference executes (`initialize: false` leaves
    /// them at zero, for cost tables or weights loaded next); a config that cannot run throws a `ConfigError`.
    /// `namePrefix` goes before every parameter name (`net.` when the model is the IMTA heads' backbone).
    public init(config: MSDNetConfig, seed: UInt64 = 0, initialize: Bool = true, namePrefix: String = "") throws {
        try config.validate()
        self.config = config
        let b = ModelBuilder(seed: seed, initializes: initialize, namePrefix: namePrefix)
        let gr = config.grFactor
        let nC = config.nChannels
        var stem: [ConvBasic] = []
        if config.isImageNetStem {
            stem.append(
                ConvBasic(
                    b, "blocks.0.0.layers.0", in: config.input[0], out: nC * gr[0], kernel: 7, stride: 2,
                    bias: true, init: .pytorchDefault))
        } else {
            stem.append(
                ConvBasic(
                    b, "blocks.0.0.layers.0.net", in: config.input[0], out: nC * gr[0], kernel: 3, stride: 1,
                    init: .pytorchDefault))
        }
        for s in 1..<max(config.scales, 1) {
            stem.append(
                ConvBasic(
                    b, "blocks.0.0.layers.\(s).net", in: nC * gr[s - 1], out: nC * gr[s], kernel: 3, stride: 2,
                    init: .pytorchDefault))
        }
        self.stem = stem
        let blocks = config.plan().enumerated().map { k, layers in Self.buildBlock(b, k, layers, config) }
        let widths = Self.concatenationWidths(stem: stem, blocks: blocks)
        // The ImageNet stem's max-pool makes a new node, so its first scale starts a buffer at the first concat.
        stemReserves = stem.indices.map { s in s == 0 && config.isImageNetStem ? 0 : widths[.stem(s)] ?? 0 }
        self.blocks = blocks.enumerated().map { k, modules in
            modules.enumerated().map { m, module in
                switch module {
                case .layer(var layer):
                    for i in layer.units.indices {
                        layer.units[i].reserve = widths[.unit(block: k, module: m, unit: i)] ?? 0
                    }
                    return .layer(layer)
                case .transition(let convs, _):
                    return .transition(
                        convs, reserves: convs.indices.map { widths[.transition(block: k, module: m, conv: $0)] ?? 0 })
                }
            }
        }
        // state_dict order: every block, then every classifier.
        classifiers = config.blockOutputWidths.enumerated().map { k, n in
            MSDNetClassifier(
                b, "classifier.\(k)", in: n * gr[gr.count - 1], classes: config.classes,
                imagenet: config.isImageNetStem)
        }
        exitStage = Array(0..<config.nBlocks)
        store = b.store
        do { _ = try cost() } catch {
            throw ConfigError.invalid("input \(config.input) does not fit this network: \(error)")
        }
    }

    private static func buildBlock(
        _ b: ModelBuilder, _ k: Int, _ layers: [MSDNetConfig.LayerPlan],
        _ config: MSDNetConfig
    ) -> [MSDNModule] {
        var modules: [MSDNModule] = []
        var j = k == 0 ? 1 : 0  // position in the block's Sequential; the stem is blocks.0.0
        for plan in layers {
            modules.append(.layer(MSDNLayer(b, "blocks.\(k).\(j)", config: config, plan: plan)))
            j += 1
            guard let reduced = plan.transitionWidth else { continue }
            let n = plan.width + config.growthRate
            let offset = config.scales - plan.outScales
            modules.append(
                .transition(
                    (offset..<config.scales).map { s in
                        ConvBasic(
                            b, "blocks.\(k).\(j).m.\(s - offset).net", in: n * config.grFactor[s],
                            out: reduced * config.grFactor[s], kernel: 1, stride: 1, init: .pytorchDefault)
                    }, reserves: []))
            j += 1
        }
        return modules
    }

    /// Where a scale's feature map is made: by the stem, by an MSDN layer's unit, or by a transition.
    private enum Place: Hashable {
        case stem(Int)
        case unit(block: Int, module: Int, unit: Int)
        case transition(block: Int, module: Int, conv: Int)
    }

    /// For every place that makes a scale's feature map, the width that map reaches before its chain of
    /// concatenations ends: at a transition (which starts a new chain), where a layer drops the scale, or at the end
    /// of the network. Buffers that wide let every later unit write behind the map in place.
    private static func concatenationWidths(stem: [ConvBasic], blocks: [[MSDNModule]]) -> [Place: Int] {
        var widths: [Place: Int] = [:]
        var width = stem.map(\.outChannels)
        var pending: [[Place]] = stem.indices.map { [.stem($0)] }
        func close(_ s: Int) {
            for place in pending[s] { widths[place] = width[s] }
            pending[s] = []
        }
        for (k, modules) in blocks.enumerated() {
            for (m, module) in modules.enumerated() {
                switch module {
                case .layer(let layer):
                    let offset = stem.count - layer.units.count
                    for s in 0..<offset { close(s) }
                    for (i, unit) in layer.units.enumerated() {
                        width[offset + i] += (unit.down?.outChannels ?? 0) + unit.normal.outChannels
                        pending[offset + i].append(.unit(block: k, module: m, unit: i))
                    }
                case .transition(let convs, _):
                    let offset = stem.count - convs.count
                    for (i, conv) in convs.enumerated() {
                        close(offset + i)
                        width[offset + i] = conv.outChannels
                        pending[offset + i] = [.transition(block: k, module: m, conv: i)]
                    }
                }
            }
        }
        for s in stem.indices { close(s) }
        return widths
    }

    /// The first layer: every scale's initial features, finest first.
    public func begin(_ g: Graph, _ x: Node) throws -> [Node] {
        var features: [Node] = []
        var current = x
        for (s, layer) in stem.enumerated() {
            current = try layer(g, current, reserve: stemReserves[s])
            if s == 0 && config.isImageNetStem { current = try g.maxPool(current, kernel: 3, stride: 2, padding: 1) }
            features.append(current)
        }
        return features
    }

    /// Block `k` on the feature list; its exit reads the coarsest scale of the result.
    public func stage(_ k: Int, _ g: Graph, _ state: [Node]) throws -> (logits: [Node], state: [Node]) {
        try stageWithOwnHeads(k, g, state)
    }

    /// Block `k` and its classifier up to the pooled features.
    public func stageFeatures(
        _ k: Int, _ g: Graph, _ state: [Node], exit: (Int, ExitFeatures) throws -> Void
    ) throws -> [Node] {
        guard blocks.indices.contains(k) else {
            throw EngineError.invalidArgument(op: "MSDNet.stage", "block \(k) outside 0..<\(blocks.count)")
        }
        var x = state
        for module in blocks[k] { x = try module(g, x) }
        guard let coarsest = x.last else { throw EngineError.invalidArgument(op: "MSDNet.stage", "empty feature list") }
        let (read, onward) = AdaptiveNets.gradientEquilibrium(
            g, coarsest, exit: k, of: exitCount, enabled: gradientEquilibrium)
        let pooled = try classifiers[k].features(g, read)
        try exit(k, ExitFeatures(pooled: pooled, classifierInput: coarsest.shape))
        x[x.count - 1] = onward
        return x
    }

    public func exitHead(_ e: Int, _ g: Graph, _ pooled: Node) throws -> Node { try classifiers[e].head(g, pooled) }
}
