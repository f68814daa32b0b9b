import NeuralEngine

/// Dense layer: y = concat[x, BC(x -> g)]. `reserve` is the block's final width: inference appends in place up to
/// it, the branch writing its output straight behind x.
struct DenseLayer: Sendable {
    let branch: BottleneckConv
    func callAsFunction(_ g: Graph, _ x: Node, reserve: Int) throws -> Node {
        let slot = g.slot(after: x, channels: branch.outChannels)
        return try g.concat([x, try branch(g, x, into: slot)], reserveChannels: reserve)
    }
}

/// Fusion layer: y = concat[resize(x), resize(BC(low -> u)), BC(x -> g-u, stride 1|2)], resized to the last branch's size.
struct FusionLayer: Sendable {
    let up: BottleneckConv
    let normal: BottleneckConv

    func callAsFunction(_ g: Graph, _ x: Node, low: Node, reserve: Int) throws -> Node {
        let (h, w) = normal.outputSize(x.shape[2], x.shape[3])
        if g.recordsGradients || !g.concatenatesInPlace {
            // Recording graphs keep the reference's order of ops (and so of the gradient sums into x): r, u, then x's
            // resize. When that resize is the identity x heads the buffer, and both branches write into their slots.
            let keepsSize = h == x.shape[2] && w == x.shape[3]
            let uSlot = keepsSize ? g.slot(after: x, channels: up.outChannels) : nil
            let rSlot = keepsSize ? g.slot(after: x, skipping: up.outChannels, channels: normal.outChannels) : nil
            let r = try normal(g, x, into: rSlot)
            let u = try g.resize(try up(g, low), height: h, width: w, into: uSlot)
            return try g.concat([try g.resize(x, height: h, width: w), u, r], reserveChannels: reserve)
        }
        // The resized input first (a halving layer's starts a new buffer, written straight into it), then both
        // branches written into their places behind it.
        let head = try g.resize(x, height: h, width: w, reserveChannels: reserve)
        let uSlot = g.slot(after: head, channels: up.outChannels)
        let rSlot = g.slot(after: head, skipping: up.outChannels, channels: normal.outChannels)
        let r = try normal(g, x, into: rSlot)
        let u = try g.resize(try up(g, low), height: h, width: w, into: uSlot)
        return try g.concat([head, u, r], reserveChannels: reserve)
    }
}

/// One block of a sub-network: dense or fusion layers, the fusion block's closing 1x1 branch, an optional transition.
struct RANetBlock: Sendable {
    enum Kind: Sendable {
        case dense([DenseLayer])
        case fusion([FusionLayer], last: ConvBasic)
    }
    let kind: Kind
    let transition: ConvBasic?
    /// Channels of the cumulative outputs (input, after each layer) and of the block's final output.
    let cumulativeChannels: [Int]
    let outChannels: Int
    /// Channels of the last concatenation (before the transition).
    var outWidth: Int {
        if case .fusion(_, let last) = kind { return cumulativeChannels.last! + last.outChannels }
        return cumulativeChannels.last!
    }

    /// Whether the block's first concatenation starts with its input as it is (no layer halves it first), so the
    /// input's channel buffer can keep growing here.
    var extendsInput: Bool {
        if case .fusion(let layers, _) = kind { return layers.first.map { $0.normal.stride == 1 } ?? true }
        return true
    }

    /// Runs the block; `lows` are the matching block's cumulative outputs in the coarser sub-network. `reserve` is
    /// the width an inference pass reserves for the block's concatenations (at least `outWidth`; more when the next
    /// block goes on growing the same buffer); `nextReserve` the one the transition's output starts for the next
    /// block (0: none). Returns the block output and its own cumulative outputs (for the next sub-network).
    func callAsFunction(
        _ g: Graph, _ input: Node, lows: [Node]?, reserve: Int, nextReserve: Int = 0
    )
        throws -> (Node, [Node])
    {
        var x = input
        var cumulative = [input]
        switch kind {
        case .dense(let layers):
            for layer in layers {
                x = try layer(g, x, reserve: reserve)
                cumulative.append(x)
            }
        case .fusion(let layers, let last):
            guard let lows, lows.count == layers.count + 1 else {
                throw EngineError.invalidArgument(
                    op: "RANet fusion block", "expected \(layers.count + 1) coarser features")
            }
            for (i, layer) in layers.enumerated() {
                x = try layer(g, x, low: lows[i], reserve: reserve)
                cumulative.append(x)
            }
            let slot = g.slot(after: x, channels: last.outChannels)
            let low = lows[layers.count]
            // At x's size already (after a halving layer) the 1x1 conv writes straight into its place; resizing
            // would copy it there (and its gradient back, in training: 2% of an fmnist-small step).
            let extra =
                low.shape[2] == x.shape[2] && low.shape[3] == x.shape[3] && last.stride == 1
                ? try last(g, low, into: slot)
                : try g.resize(try last(g, low), height: x.shape[2], width: x.shape[3], into: slot)
            x = try g.concat([x, extra], reserveChannels: reserve)
        }
        if let transition { x = try transition(g, x, reserve: nextReserve) }
        return (x, cumulative)
    }
}

extension RANetBlock {
    static func dense(
        _ b: ModelBuilder, _ prefix: String, in cin: Int, layers: Int, growth: Int, bnWidth: Int,
        transition: Bool, reduction: Double
    ) -> RANetBlock {
        var list: [DenseLayer] = []
        var channels = [cin]
        for i in 0..<layers {
            list.append(
                DenseLayer(
                    branch: BottleneckConv(
                        b, "\(prefix).layers.\(i).conv_normal.net", in: cin + i * growth,
                        out: growth, width: bnWidth, stride: 1)))
            channels.append(cin + (i + 1) * growth)
        }
        let c = channels.last!
        let trans =
            transition
            ? ConvBasic(b, prefix + ".trans.net", in: c, out: Int(reduction * Double(c)), kernel: 1, stride: 1) : nil
        return RANetBlock(
            kind: .dense(list), transition: trans, cumulativeChannels: channels, outChannels: trans?.outChannels ?? c)
    }

    static func fusion(
        _ b: ModelBuilder, _ prefix: String, in cin: Int, lowChannels: [Int], layers: Int, growth: Int,
        compress: Double, lowWidth: Int, ownWidth: Int, down: Bool, transition: Bool,
        reduction: Double
    ) -> RANetBlock {
        let u = Int(Double(growth) * compress)
        var list: [FusionLayer] = []
        var channels = [cin]
        for i in 0..<layers {
            let p = "\(prefix).layers.\(i)"
            let isDown = down && i == layers - 1
            list.append(
                FusionLayer(
                    up: BottleneckConv(b, p + ".conv_up.net", in: lowChannels[i], out: u, width: lowWidth, stride: 1),
                    normal: BottleneckConv(
                        b, p + ".conv_normal.net", in: cin + i * growth, out: growth - u, width: ownWidth,
                        stride: isDown ? 2 : 1)))
            channels.append(cin + (i + 1) * growth)
        }
        let c = channels.last!
        let extra = Int(Double(c) * compress)
        let last = ConvBasic(b, prefix + ".conv_last.net", in: lowChannels[layers], out: extra, kernel: 1, stride: 1)
        let total = c + extra
        let trans =
            transition
            ? ConvBasic(b, prefix + ".trans.net", in: total, out: Int(reduction * Double(total)), kernel: 1, stride: 1)
            : nil
        return RANetBlock(
            kind: .fusion(list, last: last), transition: trans, cumulativeChannels: channels,
            outChannels: trans?.outChannels ?? total)
    }
}
