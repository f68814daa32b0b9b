import ModelConfigs
import NeuralEngine

/// The distillation loss's settings (the reference's defaults: T = 3, gamma = 0.9).
public struct DistillationSettings: Codable, Equatable, Sendable {
    /// Softens both distributions in the KL term; its square rescales the term's gradients back.
    public var temperature: Float = 3
    /// Weight of the KL term against the cross-entropy for every exit but the last.
    public var gamma: Float = 0.9

    public init(temperature: Float = 3, gamma: Float = 0.9) {
        self.temperature = temperature
        self.gamma = gamma
    }

    /// T must be positive and gamma in [0, 1].
    public func validate() throws {
        guard temperature > 0, temperature.isFinite else {
            throw ConfigError.invalid("the distillation temperature must be positive, got \(temperature)")
        }
        guard (0...1).contains(gamma) else {
            throw ConfigError.invalid("the distillation weight gamma must lie in [0, 1], got \(gamma)")
        }
    }
}

/// Stage 2 of the improved training of Li et al. (ICCV 2019) over a trained RANet or MSDNet (`net.*`, frozen): new
/// linear heads (`classifier.i`) over each exit's pooled classifier features, each but the first also reading the
/// previous head's logits through an inline subnetwork collaboration module (`isc_modules.i`: Linear, BatchNorm1d,
/// ReLU), as the reference kalviny/IMTA builds them (vectors/IMTA.md).
///
/// The state between stages (and segments) is the backbone's, followed by the last head's logits once an exit has run
/// (ISC module i-1 turns them into head i's extra input when head i runs), so an early-exit executor compacts them with
/// the rest.
public final class IMTANetwork: EarlyExitNetwork, @unchecked Sendable {
    /// The frozen stage-1 network; its own exits' linear layers serve only as the teacher (the last one).
    public let backbone: any PooledFeatureNetwork
    public let store: ParameterStore
    public var architecture: String { backbone.architecture }
    public var inputShape: [Int] { backbone.inputShape }
    public var classes: Int { backbone.classes }
    public var exitCount: Int { backbone.exitCount }
    public var exitStage: [Int] { backbone.exitStage }
    public var stageCount: Int { backbone.stageCount }

    let heads: [(weight: Parameter, bias: Parameter)]
    let isc: [(weight: Parameter, bias: Parameter, bn: BatchNorm2d)]

    /// Prefix of the backbone's names in the state_dict (the reference's `self.net`).
    public static let backbonePrefix = "net."

    /// A backbone of `config` (weights as `ModelFactory.build` would make them with `seed`) and new heads and ISC
    /// modules with PyTorch's default initialisation (`initialize: false` leaves everything at zero).
    public init(backbone config: ModelConfig, seed: UInt64 = 0, initialize: Bool = true) throws {
        switch config {
        case .ranet(let c):
            backbone = try RANet(config: c, seed: seed, initialize: initialize, namePrefix: Self.backbonePrefix)
        case .msdnet(let c):
            backbone = try MSDNet(config: c, seed: seed, initialize: initialize, namePrefix: Self.backbonePrefix)
        }
        let store = backbone.store
        self.store = store
        store.namePrefix = ""
        for p in store.parameters { p.frozen = true }
        // A stream of its own, so the backbone's initial weights do not depend on the heads.
        var rng = SeededRNG(seed: seed &+ 1)
        func linear(_ name: String, out: Int, in features: Int) -> (weight: Parameter, bias: Parameter) {
            let w = store.parameter(name + ".weight", [out, features])
            let b = store.parameter(name + ".bias", [out])
            if initialize {
                let bound = 1 / Double(features).squareRoot()
                w.value.fillUniform(bound: bound, rng: &rng)
                b.value.fillUniform(bound: bound, rng: &rng)
            }
            return (w, b)
        }
        let widths = backbone.exitFeatureCounts
        let classes = backbone.classes
        let heads = widths.indices.map { i in
            linear("classifier.\(i)", out: classes, in: i == 0 ? widths[0] : 2 * widths[i])
        }
        // state_dict order: net, classifier, isc_modules.
        self.heads = heads
        isc = widths.indices.dropLast().map { i in
            let l = linear("isc_modules.\(i).0", out: widths[i + 1], in: classes)
            return (l.weight, l.bias, BatchNorm2d(store, "isc_modules.\(i).1", channels: widths[i + 1]))
        }
    }

    /// The ISC modules' Linear biases: their BatchNorm subtracts the batch mean in training, so their gradient is 0 in
    /// exact arithmetic (they still matter through weight decay and in evaluation mode).
    public var biasesNormalizedAway: Set<String> { Set(isc.map(\.bias.name)) }

    public func begin(_ g: Graph, _ x: Node) throws -> [Node] { try backbone.begin(g, x) }

    public func stage(_ s: Int, _ g: Graph, _ state: [Node]) throws -> (logits: [Node], state: [Node]) {
        let (logits, next, _) = try run(s, g, state, teacher: false)
        return (logits, next)
    }

    /// Exit e's segment: the backbone's segment up to exit e's pooled features, then (for e > 0) ISC module e-1 on head
    /// e-1's logits, the last node of `state`, and head e.
    public func segment(_ e: Int, _ g: Graph, _ state: [Node]) throws -> (logits: Node, state: [Node]) {
        let (logits, next, _) = try heads(first: e, g, state, teacher: false) { backboneState, onExit in
            try backbone.segmentFeatures(e, g, backboneState, exit: onExit)
        }
        guard logits.count == 1 else {
            throw EngineError.invalidArgument(
                op: "IMTANetwork segment", "exit \(e)'s segment reached \(logits.count) exits")
        }
        return (logits[0], next)
    }

    /// The new heads' logits and, from the backbone's own last exit, the teacher's (training graphs).
    public func forwardWithTeacher(_ g: Graph, _ x: Node) throws -> (logits: [Node], teacher: Node) {
        var state = try begin(g, x)
        var logits: [Node] = []
        var teacher: Node?
        for s in 0..<stageCount {
            let out = try run(s, g, state, teacher: s == stageCount - 1)
            logits += out.logits
            state = out.state
            teacher = out.teacher ?? teacher
        }
        guard let teacher else { throw EngineError.invalidArgument(op: "IMTANetwork", "the network has no exits") }
        return (logits, teacher)
    }

    private func run(
        _ s: Int, _ g: Graph, _ state: [Node], teacher wantsTeacher: Bool
    ) throws -> (
        logits: [Node], state: [Node], teacher: Node?
    ) {
        try heads(first: backbone.firstExitIndex(ofStage: s), g, state, teacher: wantsTeacher) {
            backboneState, onExit in
            try backbone.stageFeatures(s, g, backboneState, exit: onExit)
        }
    }

    /// Runs a piece of the backbone (`backbonePiece`: a stage or a segment, whose first exit is `first`) with the new
    /// heads and ISC modules on its exits.
    private func heads(
        first: Int, _ g: Graph, _ state: [Node], teacher wantsTeacher: Bool,
        _ backbonePiece: ([Node], (Int, ExitFeatures) throws -> Void) throws -> [Node]
    ) throws -> (logits: [Node], state: [Node], teacher: Node?) {
        var backboneState = state
        var carried: Node?
        if first > 0 {
            guard let last = backboneState.popLast() else {
                throw EngineError.invalidArgument(op: "IMTANetwork", "exit \(first) got an empty state")
            }
            carried = last
        }
        var logits: [Node] = []
        var teacher: Node?
        let next = try backbonePiece(backboneState) { e, f in
            var input = g.flattenFeatures(f.pooled)
            if let previous = carried {
                // ISC module e-1 runs here, not right after head e-1: only for the samples that go on, and in exit
                // e's cost, as the cost model counts it.
                let m = isc[e - 1]
                let hidden = try g.linear(previous, weight: m.weight, bias: m.bias)
                input = try g.concat([input, try g.batchNormReLU(g.flattenFeatures(hidden), m.bn)])
            }
            let head = heads[e]
            let pred = try g.linear(input, weight: head.weight, bias: head.bias)
            logits.append(pred)
            g.counter?.markExit(input: f.classifierInput)
            if wantsTeacher && e == exitCount - 1 { teacher = try backbone.exitHead(e, g, f.pooled) }
            carried = e < isc.count ? pred : nil
        }
        return (logits, next + (carried.map { [$0] } ?? []), teacher)
    }

    /// The stage-2 loss of the reference (`KDLoss.loss_fn_kd`): CE of the last head, plus for every other head i
    /// (1-gamma) * CE_i + gamma * T^2 * KL_i against the backbone's last exit. `terms` are the summands in the
    /// reference's order [CE_last, (1-gamma) CE_0, KD_0, (1-gamma) CE_1, KD_1, ...]; `crossEntropies` each head's CE.
    public func distillationLoss(
        _ g: Graph, _ x: Node, labels: [Int32], settings: DistillationSettings
    ) throws -> (logits: [Node], crossEntropies: [Node], terms: [Float], total: Node) {
        try settings.validate()
        let (logits, teacher) = try forwardWithTeacher(g, x)
        let ce = try logits.map { try g.crossEntropy($0, labels: labels) }
        let kdWeight = settings.gamma * settings.temperature * settings.temperature
        var nodes = [ce[ce.count - 1]]
        var weights: [Float] = [1]
        for i in 0..<(logits.count - 1) {
            nodes += [
                ce[i],
                try g.softenedKLDivergence(student: logits[i], teacher: teacher, temperature: settings.temperature),
            ]
            weights += [1 - settings.gamma, kdWeight]
        }
        let total = try g.weightedSum(nodes, weights: weights)
        return (logits, ce, zip(nodes, weights).map { $0.value[0] * $1 }, total)
    }
}

extension IMTANetwork {
    /// Loads a stage-1 network's weights (its own names, without `net.`) into the backbone; every backbone tensor must
    /// be there. The heads and ISC modules keep their values.
    public func loadBackbone(_ file: SafeTensorsFile, path: String) throws {
        var prefixed = SafeTensorsFile()
        prefixed.metadata = file.metadata
        for name in file.order where !name.hasSuffix("num_batches_tracked") {
            prefixed.tensors[Self.backbonePrefix + name] = file.tensors[name]
            prefixed.order.append(Self.backbonePrefix + name)
        }
        let present = Set(prefixed.order)
        if let missing = store.namedTensors.first(where: {
            $0.0.hasPrefix(Self.backbonePrefix) && !present.contains($0.0)
        }) {
            throw WeightsError.missingTensor(file: path, tensor: String(missing.0.dropFirst(Self.backbonePrefix.count)))
        }
        try store.load(prefixed, path: path, allowMissing: true)
    }
}
