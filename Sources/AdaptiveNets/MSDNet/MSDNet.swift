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
        blocks = config.plan().enumerated().map { k, layers in Self.buildBlock(b, k, layers, config) }
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
                    }))
            j += 1
        }
        return modules
    }

    /// The first layer: every scale's initial features, finest first.
    public func begin(_ g: Graph, _ x: Node) throws -> [Node] {
        var features: [Node] = []
        var current = x
        for (s, layer) in stem.enumerated() {
            current = try layer(g, current)
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
