import CThreadAffinity

/// The CPUs the calling thread may run on (Linux; elsewhere `current` is nil and setting does nothing).
struct CPUSet: Equatable, Sendable {
    /// Bit i of the whole = CPU i.
    var words: [UInt64]

    /// Enough for the kernel's largest CPU mask (CONFIG_NR_CPUS up to 8192).
    static let wordCount = 128

    var cpus: [Int] {
        words.indices.flatMap { w in (0..<64).filter { words[w] >> UInt64($0) & 1 == 1 }.map { w * 64 + $0 } }
    }

    init(cpus: [Int]) {
        words = [UInt64](repeating: 0, count: Self.wordCount)
        for cpu in cpus where cpu >= 0 && cpu < 64 * Self.wordCount { words[cpu / 64] |= 1 << UInt64(cpu % 64) }
    }

    init(words: [UInt64]) { self.words = words }

    /// `count` of these CPUs, beginning with the one the calling thread runs on now (when it is one of them), or nil
    /// when there are no more than `count`.
    func nearest(_ count: Int) -> CPUSet? {
        let allowed = cpus
        guard allowed.count > count else { return nil }
        let start = allowed.firstIndex(of: Int(ranet_current_cpu())) ?? 0
        return CPUSet(cpus: (0..<count).map { allowed[(start + $0) % allowed.count] })
    }
}

enum ThreadAffinity {
    /// The calling thread's allowed CPUs, or nil where they cannot be read.
    static func current() -> CPUSet? {
        var words = [UInt64](repeating: 0, count: CPUSet.wordCount)
        let status = words.withUnsafeMutableBufferPointer { ranet_thread_affinity($0.baseAddress, $0.count) }
        return status > 0 ? CPUSet(words: words) : nil
    }

    /// Restricts the calling thread to `set`. False where it could not.
    @discardableResult
    static func set(_ set: CPUSet) -> Bool {
        set.words.withUnsafeBufferPointer { ranet_set_thread_affinity($0.baseAddress, $0.count) } == 0
    }
}
