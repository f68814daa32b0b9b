import Foundation
import NeuralEngine
import SeededRandom

/// Deterministic pseudo-random numbers for tests (the project's SplitMix64 stream).
public struct TestRNG {
    var generator: SplitMix64
    public init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    public mutating func next() -> UInt64 { generator.next() }
    /// Uniform in [-1, 1).
    public mutating func uniform() -> Float { Float(generator.unit()) * 2 - 1 }
    public mutating func array(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in uniform() * scale } }
    public mutating func int(_ upper: Int) -> Int { Int(next() % UInt64(upper)) }
}

/// Largest |a-b| relative to the largest magnitude in `b` (elementwise relative error is meaningless near zero).
public func scaledMaxError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "compared arrays differ in length: \(a.count) vs \(b.count)")
    let scale = max(b.map { abs($0) }.max() ?? 0, 1e-12)
    var worst: Float = 0
    for i in 0..<a.count { worst = max(worst, abs(a[i] - b[i])) }
    return worst / scale
}

/// Finite-difference check of every gradient of `build` with respect to `params`.
///
/// The checked scalar is L = sum(out * R) for a fixed random R; central differences in Float32 with step `eps`.
/// Returns the worst error relative to each gradient's largest magnitude.
public func gradientCheck(
    params: [Parameter], training: Bool = true, eps: Float = 1e-2, samplesPerParam: Int = 12,
    seed: UInt64 = 7, build: (Graph, [Node]) throws -> Node
) throws -> Float {
    var rng = TestRNG(seed: seed)
    let graph = Graph(training: training, recordsGradients: true)
    for p in params { p.grad.fill(0) }
    let out = try build(graph, params.map { graph.parameter($0) })
    let r = Tensor(shape: out.shape, values: rng.array(out.value.count))
    try graph.backward(out, seed: r)
    let analytic = params.map { $0.grad.array }

    func loss() throws -> Double {
        let g = Graph(training: training, recordsGradients: false)
        let o = try build(g, params.map { g.parameter($0) })
        var s = 0.0
        for i in 0..<o.value.count { s += Double(o.value[i]) * Double(r[i]) }
        return s
    }
    var worst: Float = 0
    for (pi, p) in params.enumerated() {
        let scale = max(analytic[pi].map { abs($0) }.max() ?? 0, 1e-3)
        for _ in 0..<min(samplesPerParam, p.value.count) {
            let i = rng.int(p.value.count)
            let saved = p.value[i]
            p.value[i] = saved + eps
            let up = try loss()
            p.value[i] = saved - eps
            let down = try loss()
            p.value[i] = saved
            let numeric = Float((up - down) / Double(2 * eps))
            worst = max(worst, abs(numeric - analytic[pi][i]) / scale)
        }
    }
    return worst
}

/// A parameter filled with uniform random values.
public func randomParameter(_ name: String, _ shape: [Int], rng: inout TestRNG, scale: Float = 1) -> Parameter {
    let p = Parameter(name: name, shape: shape)
    for i in 0..<p.value.count { p.value[i] = rng.uniform() * scale }
    return p
}

/// Paths to the shared reference material next to the repository.
public enum SharedFixtures {
    public static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")
    }
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}
