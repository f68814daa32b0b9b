import Foundation
import SeededRandom

/// A small seeded generator (xoshiro256**) so initialisation, shuffling and augmentation are reproducible.
public struct SeededRNG: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        // xoshiro's authors seed its state from SplitMix64.
        var seeder = SplitMix64(seed: seed)
        s = (seeder.next(), seeder.next(), seeder.next(), seeder.next())
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = (s.3 << 45) | (s.3 >> 19)
        return result
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Standard normal (Box-Muller).
    public mutating func normal() -> Double {
        let u1 = max(unit(), 1e-300)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

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
