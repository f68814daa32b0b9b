import CBLAS
import Dispatch
import Synchronization

/// Thread settings for the engine's own loops and for OpenBLAS.
public enum EngineThreads {
    nonisolated(unsafe) private static var configured = 0

    /// Threads used by elementwise/BN/im2col loops (OpenBLAS is set to the same count).
    public static var count: Int {
        if configured == 0 { configured = defaultCount() }
        return configured
    }

    public static func set(_ n: Int) {
        configured = max(1, n)
        openblas_set_num_threads(Int32(configured))
    }

    private static func defaultCount() -> Int {
        Int(openblas_get_num_threads())
    }

    /// Floats an inference part's widest feature maps may hold together (8 MB, a quarter of a 32 MB L3): they then
    /// stay in the L3 between the layers that read them, where larger parts stream them from memory.
    public static let inferencePartBudgetFloats = 2 << 20

    /// The parts an inference batch of `images` is split into for `threads` threads, given the floats per image of
    /// the model's widest feature map: at least one per thread, and more while a part's would exceed
    /// `inferencePartBudgetFloats` (the threads take them in turn, `runParts(_:threads:)`).
    public static func inferenceParts(
        images: Int, threads: Int, imageFloats: Int, budgetFloats: Int = inferencePartBudgetFloats
    ) -> Int {
        let imagesPerPart = max(1, budgetFloats / max(imageFloats, 1))
        return min(images, max(threads, (images + imagesPerPart - 1) / imagesPerPart))
    }

    /// Runs `body(part)` for part in 0..<parts, each on its own thread with one engine thread and one OpenBLAS
    /// thread, then restores the thread count; rethrows the first error. For independent work such as the parts of
    /// an inference batch: the parts scale with the threads where the whole batch's small GEMMs and loops split
    /// poorly (left at two threads each, the parts gain nothing). The count is process-wide while it runs (OpenBLAS
    /// 0.3.21 has no per-thread count), so other engine work meanwhile runs on one thread and may round differently:
    /// call it from one thread at a time, and test it in a child process (see CLITests).
    /// `oneThreadEach: false` leaves the thread count alone (for tests, which share the process with other suites).
    /// `threads`: at most this many parts run at once (nil: all), each thread taking the next part not yet started;
    /// which thread runs a part does not change what it computes.
    public static func runParts(
        _ parts: Int, threads: Int? = nil, oneThreadEach: Bool = true, _ body: (Int) throws -> Void
    ) throws {
        if parts <= 1 {
            if parts == 1 { try body(0) }
            return
        }
        let workers = min(max(threads ?? parts, 1), parts)
        let next = Atomic<Int>(0)
        func runAll() -> [Error?] {
            guard workers < parts else { return OwnThreads.collectingErrors(parts, body) }
            var errors = [Error?](repeating: nil, count: parts)
            errors.withUnsafeMutableBufferPointer { slots in
                // Each part writes its own error slot.
                nonisolated(unsafe) let slots = slots
                _ = OwnThreads.collectingErrors(workers) { _ in
                    while true {
                        let part = next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard part < parts else { return }
                        do { try body(part) } catch { slots[part] = error }
                    }
                }
            }
            return errors
        }
        let errors = oneThreadEach ? withOneThreadEach(runAll) : runAll()
        if let error = errors.lazy.compactMap({ $0 }).first { throw error }
    }

    /// Whether convolutions of a single image split their output channels in two, one half on `SpinningHelper`
    /// (set by `withSingleImageSplit`).
    nonisolated(unsafe) static private(set) var splitsSingleImages = false

    /// Runs `body` with OpenBLAS and the engine's loops on one thread while every convolution of a single image
    /// (large enough, `ConvKernels.singleImageSplitMinimumMACs`) computes half of its output channels on a spinning
    /// helper thread: batch-1 inference on two threads, where handing each GEMM or loop to a parked thread costs
    /// more than it saves. Call it from one thread at a time.
    public static func withSingleImageSplit<T>(_ body: () throws -> T) rethrows -> T {
        let previous = splitsSingleImages
        splitsSingleImages = true
        defer { splitsSingleImages = previous }
        return try withOneThreadEach(body)
    }

    /// Runs `body`, work on one image at a time (batch-1 inference), the faster way for the thread count: with
    /// `withSingleImageSplit` on two or more threads, as it is on one. The same caveats as `withSingleImageSplit`.
    public static func forSingleImages<T>(_ body: () throws -> T) rethrows -> T {
        count >= 2 ? try withSingleImageSplit(body) : try body()
    }

    /// Runs `body` with the engine's loops and OpenBLAS on one thread, then restores the previous count: for work
    /// split into parts that each run on a thread of their own.
    public static func withOneThreadEach<T>(_ body: () throws -> T) rethrows -> T {
        let previous = count
        set(1)
        defer { set(previous) }
        return try body()
    }

    /// Where `count` items split into `parts` contiguous parts of near-equal size: part i is bounds[i]..<bounds[i+1].
    public static func partBounds(_ count: Int, parts: Int) -> [Int] {
        (0...parts).map { count * $0 / parts }
    }

    /// The vector instructions the engine's own loops were compiled for (see Package.swift: the building machine's,
    /// when it has AVX2 and FMA).
    public static var codeTarget: String {
        #if RANET_CPU_HASWELL
            return "haswell (AVX2, FMA)"
        #elseif RANET_TARGET_CPU_SET
            return "the CPU named by RANET_TARGET_CPU at build time"
        #else
            return "generic (SSE2)"
        #endif
    }

    /// The OpenBLAS kernel in use (e.g. "Haswell", "Cooperlake").
    public static var blasCoreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }
}

/// Jobs with less work than this (a rough element count) stay on the calling thread: waking other threads would
/// cost more than it saves.
let parallelMinimumWork = 32_768

/// Runs `body(i)` for i in 0..<n, split across the engine's threads when the work is large enough.
/// `work` is a rough element count: small jobs stay on the calling thread, where dispatch would cost more.
@inline(__always)
func parallelFor(_ n: Int, work: Int, _ body: (Int) -> Void) {
    let threads = EngineThreads.count
    if threads <= 1 || n <= 1 || work < parallelMinimumWork {
        for i in 0..<n { body(i) }
        return
    }
    let chunks = min(threads, n)
    withoutActuallyEscaping(body) { body in
        // Jobs write disjoint memory by construction (each kernel partitions its output), which the compiler cannot see.
        let job = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = n * chunk / chunks
            let end = n * (chunk + 1) / chunks
            for i in start..<end { job.value(i) }
        }
    }
}

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
