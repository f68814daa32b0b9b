import ModelConfigs
import NeuralEngine

/// RANet (Yang et al., CVPR 2020) exactly as the reference implementation builds it; see spec/RANET.md.
///
/// Sub-network h (0 = lowest resolution) runs after the stem has produced every base feature; its fusion blocks read
/// the cumulative outputs of sub-network h-1, and each of its dense blocks ends in an exit.
public final class RANet: EarlyExitNetwork, @unchecked Sendable {
    public let config: RANetConfig
    public let store: ParameterStore
    public let exitStage: [Int]
    public var architecture: String { "ranet" }
    public var inputShape: [Int] { config.input }
    public var classes: Int { config.classes }
    public var exitCount: Int { exitStage.count }
    public var stageCount: Int { config.subnetworks }

    let stem: [ConvBasic]  // build order: highest resolution first
    let flows: [[RANetBlock]]
    let classifiers: [Classifier]
    /// Index of the first exit of each sub-network.
    let firstExit: [Int]
    /// Sub-network and block index of each exit.
    let exitBlock: [(h: Int, block: Int)]
    /// Per sub-network and block, the channels an inference pass reserves for the block's concatenations: a block
    /// without a transition hands its buffer on to the next one, which then appends instead of copying it (those
    /// copies were the largest of an fmnist-small evaluation step).
    let reserves: [[Int]]

    /// The width the producer of block j's input (a stem conv or the previous block's transition) reserves, so the
    /// block's first concatenation appends behind the input instead of copying it; 0 when the block halves its
    /// input first (or j is past the last block).
    func inputReserve(_ h: Int, _ j: Int) -> Int {
        j < flows[h].count && flows[h][j].extendsInput ? reserves[h][j] : 0
    }

    /// Builds the model with freshly initialised weights (`initialize: false` leaves them at zero, for cost tables or
    /// weights loaded next); a config that cannot run throws a `ConfigError`.
    public init(config: RANetConfig, seed: UInt64 = 0, initialize: Bool = true) throws {
        try config.validate()
        self.config = config
        let b = ModelBuilder(seed: seed, initializes: initialize)
        let S = config.subnetworks
        let gr = config.grFactor
        let nC = config.nChannels
        // Stem: highest resolution first; a stride-2 conv wherever the scale changes.
        var stem: [ConvBasic] = []
        let top = nC * gr[S - 1]
        if config.isImageNetStem {
            stem.append(
                ConvBasic(
                    b, "FirstLayer.layers.0", in: config.input[0], out: top, kernel: 7, stride: 2, bias: true,
                    init: .pytorchDefault))
        } else {
            stem.append(
                ConvBasic(
                    b, "FirstLayer.layers.0.net", in: config.input[0], out: top, kernel: 3, stride: 1,
                    init: .pytorchDefault))
        }
        for i in 1..<max(S, 1) {
            let h = S - 1 - i
            let stride = config.scaleList[h] == config.scaleList[h + 1] ? 1 : 2
            stem.append(
                ConvBasic(
                    b, "FirstLayer.layers.\(i).net", in: nC * gr[h + 1], out: nC * gr[h], kernel: 3,
                    stride: stride, init: .pytorchDefault))
        }
        self.stem = stem

        var flows: [[RANetBlock]] = []
        var exitStage: [Int] = []
        var firstExit: [Int] = []
        var exitBlock: [(h: Int, block: Int)] = []
        var lowChannels: [[Int]] = []
        var exitInputs: [Int] = []
        for h in 0..<S {
            var blocks: [RANetBlock] = []
            var cumulative: [[Int]] = []
            var channels = nC * gr[h]
            let growth = config.growthRate * gr[h]
            let bh = config.blocks(h)
            let bPrev = config.blocks(h - 1)
            let downBlocks = Set((0..<h).map { config.blocks($0) }.suffix(max(config.scaleList[h] - 1, 0)))
            firstExit.append(exitStage.count)
            for k in 1...bh {
                let prefix = "scale_flows.\(h).\(k - 1)"
                let trans = (1..<max(config.scaleList[h], 1)).contains { k == $0 * bh / config.scaleList[h] }
                let block: RANetBlock
                if k <= bPrev {
                    block = .fusion(
                        b, prefix, in: channels, lowChannels: lowChannels[k - 1], layers: config.layers(block: k),
                        growth: growth, compress: config.compressFactor, lowWidth: config.bnFactor[h - 1],
                        ownWidth: config.bnFactor[h], down: config.scaleList[h] > 1 && downBlocks.contains(k),
                        transition: trans, reduction: config.reduction)
                } else {
                    block = .dense(
                        b, prefix, in: channels, layers: config.layers(block: k), growth: growth,
                        bnWidth: config.bnFactor[h], transition: trans, reduction: config.reduction)
                    exitStage.append(h)
                    exitBlock.append((h, k - 1))
                    exitInputs.append(block.outChannels)
                }
                blocks.append(block)
                cumulative.append(block.cumulativeChannels)
                channels = block.outChannels
            }
            flows.append(blocks)
            lowChannels = cumulative
        }
        self.flows = flows
        reserves = flows.map { blocks in
            var widths = blocks.map(\.outWidth)
            for j in stride(from: blocks.count - 2, through: 0, by: -1)
            where blocks[j].transition == nil && blocks[j + 1].extendsInput {
                widths[j] = max(widths[j], widths[j + 1])
            }
            return widths
        }
        self.exitStage = exitStage
        self.firstExit = firstExit
        self.exitBlock = exitBlock
        classifiers = exitInputs.enumerated().map { e, c in
            Classifier(b, "classifier.\(e)", in: c, classes: config.classes, imagenet: config.isImageNetStem)
        }
        store = b.store
        do { _ = try cost() } catch {
            throw ConfigError.invalid("input \(config.input) does not fit this network: \(error)")
        }
    }

    /// The stem: base features for every sub-network, computed up front (state index h = sub-network h).
    public func begin(_ g: Graph, _ x: Node) throws -> [Node] {
        var features: [Node] = []
        var cur = x
        for (i, layer) in stem.enumerated() {
            // (The ImageNet stem's first output goes through max pooling, which needs a dense input.)
            let pooled = i == 0 && config.isImageNetStem
            cur = try layer(g, cur, reserve: pooled ? 0 : inputReserve(config.subnetworks - 1 - i, 0))
            if pooled { cur = try g.maxPool(cur, kernel: 3, stride: 2, padding: 1) }
            features.append(cur)
        }
        return features.reversed()
    }

    /// State between sub-networks: the base features of sub-networks h..S-1, then the cumulative outputs of
    /// sub-network h-1's blocks, flattened.
    public func stage(_ h: Int, _ g: Graph, _ state: [Node]) throws -> (logits: [Node], state: [Node]) {
        try blocks(h, 0..<flows[h].count, g, state)
    }

    /// Exit e's segment: the blocks after exit e-1's (across sub-networks when one has no exit) up to exit e's, then
    /// its classifier. Between segments inside sub-network h the state is its running feature map, the base features
    /// of sub-networks h+1..S-1, sub-network h-1's outputs its remaining fusion blocks read, and h's cumulative
    /// outputs so far (what h+1 fuses); at a sub-network's start this is exactly the state `stage` reads.
    public func segment(_ e: Int, _ g: Graph, _ state: [Node]) throws -> (logits: Node, state: [Node]) {
        guard (0..<exitCount).contains(e) else {
            throw EngineError.invalidArgument(op: "RANet segment", "exit \(e) is outside 0..<\(exitCount)")
        }
        let (h, block) = (exitBlock[e].h, exitBlock[e].block)
        var (subnetwork, first) = e == 0 ? (0, 0) : (exitBlock[e - 1].h, exitBlock[e - 1].block + 1)
        var state = state
        var logits: [Node] = []
        while subnetwork < h {
            if first < flows[subnetwork].count {
                let ran = try blocks(subnetwork, first..<flows[subnetwork].count, g, state)
                logits += ran.logits
                state = ran.state
            }
            subnetwork += 1
            first = 0
        }
        let ran = try blocks(h, first..<(block + 1), g, state)
        logits += ran.logits
        guard logits.count == 1 else {
            throw EngineError.invalidArgument(op: "RANet segment", "exit \(e)'s segment reached \(logits.count) exits")
        }
        return (logits[0], ran.state)
    }

    /// Runs blocks `range` of sub-network h on the state at `range.lowerBound` (layout: see `segment`); returns the
    /// logits of the exits among them and the state at `range.upperBound`, or at sub-network h+1's start when the
    /// range ends the sub-network.
    func blocks(_ h: Int, _ range: Range<Int>, _ g: Graph, _ state: [Node]) throws -> (logits: [Node], state: [Node]) {
        let S = config.subnetworks
        let later = S - 1 - h
        let lowCount = flows[h][range.lowerBound...].reduce(0) { count, block in
            if case .fusion(let layers, _) = block.kind { return count + layers.count + 1 }
            return count
        }
        guard state.count >= 1 + later + lowCount else {
            throw EngineError.invalidArgument(
                op: "RANet sub-network \(h)",
                "a state of \(state.count) tensors cannot hold blocks \(range)'s \(1 + later + lowCount) inputs")
        }
        var x = state[0]
        let bases = state[1..<(1 + later)]
        var lowFlat = Array(state[(1 + later)..<(1 + later + lowCount)])
        var cumulative = Array(state[(1 + later + lowCount)...])
        var logits: [Node] = []
        for j in range {
            let block = flows[h][j]
            var lows: [Node]?
            if case .fusion(let layers, _) = block.kind {
                lows = Array(lowFlat.prefix(layers.count + 1))
                lowFlat.removeFirst(layers.count + 1)
            }
            let (out, cum) = try block(g, x, lows: lows, reserve: reserves[h][j], nextReserve: inputReserve(h, j + 1))
            x = out
            cumulative += cum
            if j + 1 > config.blocks(h - 1) {
                logits.append(try classifiers[firstExit[h] + j - config.blocks(h - 1)](g, x))
            }
        }
        if range.upperBound == flows[h].count { return (logits, Array(bases) + cumulative) }
        return (logits, [x] + bases + lowFlat + cumulative)
    }
}
