import ModelConfigs
import NeuralEngine

/// The reference's ConvBN: [1x1 conv to min(in, bnWidth*out) -> BN -> ReLU] -> 3x3 conv (stride 1|2) -> BN -> ReLU
/// (`net.{0,1,3,4}` with the bottleneck, `net.{0,1}` without). Every conv keeps PyTorch's default initialisation,
/// because the reference's He-normal init never reaches a conv (quirk Q3).
struct MSDNConvBN: Sendable {
    let reduce: (weight: Parameter, bn: BatchNorm2d)?
    let conv: Parameter, bn: BatchNorm2d
    let stride: Int

    init(_ b: ModelBuilder, _ prefix: String, in cin: Int, out: Int, bnWidth: Int, down: Bool, bottleneck: Bool) {
        var inner = cin
        var next = 0
        if bottleneck {
            inner = min(cin, bnWidth * out)
            let w = b.conv(prefix + ".0", out: inner, in: cin, kernel: 1, init: .pytorchDefault).0
            reduce = (w, BatchNorm2d(b.store, prefix + ".1", channels: inner))
            next = 3
        } else {
            reduce = nil
        }
        conv = b.conv(prefix + ".\(next)", out: out, in: inner, kernel: 3, init: .pytorchDefault).0
        bn = BatchNorm2d(b.store, prefix + ".\(next + 1)", channels: out)
        stride = down ? 2 : 1
    }

    var outChannels: Int { conv.shape[0] }

    /// `slot`: where in a concatenation's buffer the output goes (see `Graph.slot`).
    func callAsFunction(_ g: Graph, _ x: Node, into slot: ChannelSlot? = nil) throws -> Node {
        var h = x
        if let reduce { h = try g.convBNReLU(x, weight: reduce.weight, reduce.bn) }
        return try g.convBNReLU(h, weight: conv, stride: stride, padding: 1, bn, into: slot)
    }
}

/// One output scale of an MSDN layer: cat[x_s, down(x_{s-1}), normal(x_s)] (ConvDownNormal) or cat[x_s, normal(x_s)]
/// (ConvNormal, only the finest output scale of a layer that drops nothing). The branches write their outputs
/// straight behind x in its channel buffer (see `Graph.slot`), in the reference's order (down, then normal), so the
/// concatenation copies nothing and a recording graph sums the same gradients in the same order as one that copies.
struct MSDNScaleUnit: Sendable {
    let down: MSDNConvBN?
    let normal: MSDNConvBN
    /// Width of the scale's feature map when its concatenations end (at the next transition or the network's end).
    var reserve = 0

    func callAsFunction(_ g: Graph, finer: Node?, _ x: Node) throws -> Node {
        guard let down else {
            let slot = g.slot(after: x, channels: normal.outChannels)
            return try g.concat([x, try normal(g, x, into: slot)], reserveChannels: reserve)
        }
        guard let finer else {
            throw EngineError.invalidArgument(op: "MSDNet down+normal unit", "no finer-scale input")
        }
        let downSlot = g.slot(after: x, channels: down.outChannels)
        let normalSlot = g.slot(after: x, skipping: down.outChannels, channels: normal.outChannels)
        let d = try down(g, finer, into: downSlot)
        return try g.concat([x, d, try normal(g, x, into: normalSlot)], reserveChannels: reserve)
    }
}

/// One MSDN layer (`blocks.<b>.<j>.layers.<i>`): a unit per output scale; a dropping layer reads one more (finer)
/// scale than it outputs and discards it.
struct MSDNLayer: Sendable {
    var units: [MSDNScaleUnit]
    let drops: Bool

    init(_ b: ModelBuilder, _ prefix: String, config c: MSDNetConfig, plan: MSDNetConfig.LayerPlan) {
        let offset = c.scales - plan.outScales
        let n = plan.width
        let gr = c.grFactor
        let bn = c.bnFactor
        drops = plan.inScales > plan.outScales
        var units: [MSDNScaleUnit] = []
        for s in offset..<c.scales {
            let p = "\(prefix).layers.\(s - offset)"
            let width = c.growthRate * gr[s]
            if s == offset && !drops {
                units.append(
                    MSDNScaleUnit(
                        down: nil,
                        normal: MSDNConvBN(
                            b, p + ".conv_normal.net", in: n * gr[s], out: width,
                            bnWidth: bn[s], down: false, bottleneck: c.bottleneck)))
            } else {
                let down = MSDNConvBN(
                    b, p + ".conv_down.net", in: n * gr[s - 1], out: width / 2, bnWidth: bn[s - 1],
                    down: true, bottleneck: c.bottleneck)
                let normal = MSDNConvBN(
                    b, p + ".conv_normal.net", in: n * gr[s], out: width / 2, bnWidth: bn[s],
                    down: false, bottleneck: c.bottleneck)
                units.append(MSDNScaleUnit(down: down, normal: normal))
            }
        }
        self.units = units
    }

    /// `x` is the feature list, finest first; returns the list of output scales.
    func callAsFunction(_ g: Graph, _ x: [Node]) throws -> [Node] {
        guard x.count == units.count + (drops ? 1 : 0) else {
            throw EngineError.invalidArgument(
                op: "MSDN layer", "expected \(units.count + (drops ? 1 : 0)) scales, got \(x.count)")
        }
        let shift = drops ? 1 : 0
        return try units.enumerated().map { i, unit in
            let j = i + shift
            return try unit(g, finer: j > 0 ? x[j - 1] : nil, x[j])
        }
    }
}

/// A module of a block after the stem: an MSDN layer, or a transition (`m.<i>`: one 1x1 ConvBasic per scale, each
/// output starting a channel buffer `reserves[i]` wide for the concatenations that follow it).
enum MSDNModule: Sendable {
    case layer(MSDNLayer)
    case transition([ConvBasic], reserves: [Int])

    func callAsFunction(_ g: Graph, _ x: [Node]) throws -> [Node] {
        switch self {
        case .layer(let layer): return try layer(g, x)
        case .transition(let convs, let reserves):
            guard convs.count == x.count else {
                throw EngineError.invalidArgument(
                    op: "MSDNet transition", "expected \(convs.count) scales, got \(x.count)")
            }
            return try convs.indices.map { i in try convs[i](g, x[i], reserve: reserves[i]) }
        }
    }
}

/// An MSDNet exit (`classifier.<k>`): two stride-2 ConvBasics, AvgPool2d(2), Linear; PyTorch default initialisation
/// throughout (the linear bias too, unlike RANet's classifier).
struct MSDNetClassifier: Sendable {
    let first, second: ConvBasic
    let weight, bias: Parameter

    /// CIFAR style (128 channels) or ImageNet style (keeps `in` channels).
    init(_ b: ModelBuilder, _ prefix: String, in cin: Int, classes: Int, imagenet: Bool) {
        let inner = imagenet ? cin : 128
        first = ConvBasic(b, prefix + ".m.0.net", in: cin, out: inner, kernel: 3, stride: 2, init: .pytorchDefault)
        second = ConvBasic(b, prefix + ".m.1.net", in: inner, out: inner, kernel: 3, stride: 2, init: .pytorchDefault)
        (weight, bias) = b.linear(prefix + ".linear", out: classes, in: inner)
        if b.initializes { bias.value.fillUniform(bound: 1 / Double(inner).squareRoot(), rng: &b.rng) }
    }

    /// The pooled features the linear layer reads (what the IMTA heads read instead).
    func features(_ g: Graph, _ x: Node) throws -> Node {
        try g.avgPool(try second(g, try first(g, x)), kernel: 2)
    }

    /// The linear layer alone.
    func head(_ g: Graph, _ features: Node) throws -> Node { try g.linear(features, weight: weight, bias: bias) }

    /// Values in the pooled features (the linear layer's inputs).
    var featureCount: Int { weight.shape[1] }
}
