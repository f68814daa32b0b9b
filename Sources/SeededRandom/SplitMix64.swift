// Reproducible randomness, one module for every module (data order, augmentation, initialisation seeds, weight
// initialisation through `Xoshiro256StarStar`, synthetic benchmark and fake dashboard data): our own generators and
// shuffle, because the standard library's shuffle and `random(in:)` algorithms are not promised to stay the same
// across Swift releases, and a resumed run must see exactly the order the interrupted run would have seen.

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, well-mixed 64-bit generator with a fixed algorithm.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator whose whole output stream is determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// Returns the next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Uniform in [0, 1) with 24 random bits (every value exactly representable as a Float).
    public mutating func unitFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// Returns a value in `0..<bound` (modulo reduction: the bias, below bound/2^64, is irrelevant here).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        return Int(next() % UInt64(bound))
    }

    /// Derives one well-mixed seed from several values (e.g. base seed, epoch, batch index, purpose tag).
    public static func mix(_ values: UInt64...) -> UInt64 {
        var generator = SplitMix64(seed: 0x6A09_E667_F3BC_C908)
        var accumulated: UInt64 = 0
        for value in values {
            generator.state ^= value
            accumulated = generator.next() ^ (accumulated &* 0x100_0000_01B3)
        }
        return accumulated
    }
}

/// A permutation of `0..<count` from a Fisher-Yates shuffle driven by `SplitMix64(seed:)`.
public func seededPermutation(count: Int, seed: UInt64) -> [Int] {
    var order = Array(0..<max(count, 0))
    var generator = SplitMix64(seed: seed)
    var position = order.count - 1
    while position > 0 {
        let other = generator.nextInt(below: position + 1)
        order.swapAt(position, other)
        position -= 1
    }
    return order
}
