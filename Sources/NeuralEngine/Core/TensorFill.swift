import SeededRandom

/// The weight-initialisation generator: SeededRandom's xoshiro256**, under the name the engine's API uses.
public typealias SeededRNG = Xoshiro256StarStar

extension Tensor {
    /// Fills with N(0, std^2).
    public func fillNormal(std: Double, rng: inout SeededRNG) {
        for i in 0..<count { data[i] = Float(rng.normal() * std) }
    }

    /// Fills with U(-bound, bound).
    public func fillUniform(bound: Double, rng: inout SeededRNG) {
        for i in 0..<count { data[i] = Float((rng.unit() * 2 - 1) * bound) }
    }
}
