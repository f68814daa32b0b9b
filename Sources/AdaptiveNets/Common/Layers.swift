import NeuralEngine

/// How a conv's weights start: the sub-networks' He-normal, or PyTorch's default (stem convs are not re-initialised
/// by the reference code).
public enum ConvInit: Sendable {
    case heNormal
    case pytorchDefault
}

/// The shared state a builder threads through every layer: the parameter registry and the initialisation RNG.
public final class ModelBuilder {
    public let store = ParameterStore()
    var rng: SeededRNG
    /// False leaves weights at zero: for cost tables and for models whose weights are loaded right after.
    let initializes: Bool
    init(seed: UInt64, initializes: Bool = true, namePrefix: String = "") {
        rng = SeededRNG(seed: seed)
        self.initializes = initializes
        store.namePrefix = namePrefix
    }

    func conv(
        _ name: String, out: Int, in cin: Int, kernel: Int, bias: Bool = false, init mode: ConvInit
    ) -> (Parameter, Parameter?) {
        let w = store.parameter(name + ".weight", [out, cin, kernel, kernel])
        let fanIn = Double(cin * kernel * kernel)
        if !initializes { return (w, bias ? store.parameter(name + ".bias", [out]) : nil) }
        switch mode {
        case .heNormal: w.value.fillNormal(std: (2.0 / Double(kernel * kernel * out)).squareRoot(), rng: &rng)
        case .pytorchDefault: w.value.fillUniform(bound: 1 / fanIn.squareRoot(), rng: &rng)
        }
        guard bias else { return (w, nil) }
        let b = store.parameter(name + ".bias", [out])
        b.value.fillUniform(bound: 1 / fanIn.squareRoot(), rng: &rng)
        return (w, b)
    }

    func linear(_ name: String, out: Int, in features: Int) -> (Parameter, Parameter) {
        let w = store.parameter(name + ".weight", [out, features])
        if initializes { w.value.fillUniform(bound: 1 / Double(features).squareRoot(), rng: &rng) }
        return (w, store.parameter(name + ".bias", [out]))  // the reference zeroes linear biases
    }
}

/// conv -> BN -> ReLU (`prefix.0` conv, `prefix.1` BN).
public struct ConvBasic: Sendable {
    let weight: Parameter
    let bias: Parameter?
    let bn: BatchNorm2d
    let stride, padding: Int

    init(
        _ b: ModelBuilder, _ prefix: String, in cin: Int, out: Int, kernel: Int, stride: Int, bias: Bool = false,
        init mode: ConvInit = .heNormal
    ) {
        (weight, self.bias) = b.conv(prefix + ".0", out: out, in: cin, kernel: kernel, bias: bias, init: mode)
        bn = BatchNorm2d(b.store, prefix + ".1", channels: out)
        self.stride = stride
        padding = kernel / 2
    }

    public var outChannels: Int { weight.shape[0] }

    /// `reserve`: the width of the concatenation the output starts, if any; `slot`: its place in one (see
    /// `Graph.convBNReLU`).
    func callAsFunction(_ g: Graph, _ x: Node, reserve: Int = 0, into slot: ChannelSlot? = nil) throws -> Node {
        try g.convBNReLU(
            x, weight: weight, bias: bias, stride: stride, padding: padding, bn, reserveChannels: reserve,
            into: slot)
    }
}

/// Bottleneck conv: 1x1 to min(in, width*out) -> BN -> ReLU -> 3x3 (stride 1|2) -> BN -> ReLU (`net.{0,1,3,4}`).
public struct BottleneckConv: Sendable {
    let reduce: Parameter, bn1: BatchNorm2d
    let conv: Parameter, bn2: BatchNorm2d
    let stride: Int

    init(_ b: ModelBuilder, _ prefix: String, in cin: Int, out: Int, width: Int, stride: Int) {
        let mid = min(cin, width * out)
        reduce = b.conv(prefix + ".0", out: mid, in: cin, kernel: 1, init: .heNormal).0
        bn1 = BatchNorm2d(b.store, prefix + ".1", channels: mid)
        conv = b.conv(prefix + ".3", out: out, in: mid, kernel: 3, init: .heNormal).0
        bn2 = BatchNorm2d(b.store, prefix + ".4", channels: out)
        self.stride = stride
    }

    var outChannels: Int { conv.shape[0] }

    /// Output height and width for an input of `h` x `w` (3x3, padding 1).
    func outputSize(_ h: Int, _ w: Int) -> (Int, Int) { ((h - 1) / stride + 1, (w - 1) / stride + 1) }

    /// `slot`: where in a concatenation's buffer the output goes (see `Graph.slot`).
    func callAsFunction(_ g: Graph, _ x: Node, into slot: ChannelSlot? = nil) throws -> Node {
        let h = try g.convBNReLU(x, weight: reduce, bn1)
        return try g.convBNReLU(h, weight: conv, stride: stride, padding: 1, bn2, into: slot)
    }
}

/// An exit: two stride-2 ConvBasics, 2x2 average pooling, a linear layer (`classifier.<e>.m.{0,1}`, `.linear`).
public struct Classifier: Sendable {
    let first, second: ConvBasic
    let weight, bias: Parameter

    /// CIFAR style (128 channels) or ImageNet style (keeps `in` channels).
    init(_ b: ModelBuilder, _ prefix: String, in cin: Int, classes: Int, imagenet: Bool) {
        let inner = imagenet ? cin : 128
        first = ConvBasic(b, prefix + ".m.0.net", in: cin, out: inner, kernel: 3, stride: 2)
        second = ConvBasic(b, prefix + ".m.1.net", in: inner, out: inner, kernel: 3, stride: 2)
        (weight, bias) = b.linear(prefix + ".linear", out: classes, in: inner)
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
