import Foundation

/// xoshiro256** (Blackman, Vigna 2018), seeded from SplitMix64 as its authors recommend: the stream every weight
/// initialisation draws from (`SeededRNG` in NeuralEngine). Inlinable, so the engine's fill loops inline it as when
/// it lived there. It is a separate algorithm from `SplitMix64`'s stream
/// because stored runs and the tests' expected values depend on both streams exactly as they are.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    @usableFromInline var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var seeder = SplitMix64(seed: seed)
        s = (seeder.next(), seeder.next(), seeder.next(), seeder.next())
    }

    @inlinable public mutating func next() -> UInt64 {
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
    @inlinable public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Standard normal (Box-Muller).
    @inlinable public mutating func normal() -> Double {
        let u1 = max(unit(), 1e-300)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
