import Dispatch
import Synchronization
import TestSupport
import Testing

@testable import NeuralEngine

/// A single image's conv split across the spinning helper (`ConvKernels.splitForward`) computes what the whole conv
/// computes, through every algorithm, up to the order of float additions.
@Suite struct SingleImageSplitTests {
    /// (input channels, size, output channels, kernel, stride, padding) of one image, and the algorithm it takes.
    static let shapes: [(c: Int, size: Int, m: Int, k: Int, stride: Int, pad: Int, algorithm: ConvAlgorithm)] = [
        (16, 28, 16, 3, 1, 1, .direct),
        (64, 14, 48, 1, 1, 0, .perImageGEMM),
        (68, 32, 5, 1, 1, 0, .narrowPointwise),
        (96, 8, 24, 3, 1, 1, .direct),
        (128, 16, 48, 3, 1, 1, .shiftedGEMM),
        (32, 8, 33, 3, 1, 1, .columnGEMM),
        (64, 16, 64, 3, 2, 1, .columnGEMM),
    ]

    @Test(arguments: 0..<shapes.count)
    func splitConvEqualsTheWholeConv(shape index: Int) {
        let s = Self.shapes[index]
        var rng = TestRNG(seed: UInt64(100 + index))
        // The output is a view: one spare channel either side, as in a concatenation's buffer.
        var g = ConvGeometry(
            input: NCHW(1, s.c, s.size, s.size), outChannels: s.m, kernelH: s.k, kernelW: s.k, stride: s.stride,
            padding: s.pad)
        g.outputImageStride = (s.m + 2) * g.outPlane
        #expect(ConvAlgorithm.choose(for: g, .forward(keepingColumns: false)) == s.algorithm)
        #expect(g.macs >= ConvKernels.singleImageSplitMinimumMACs)
        // Tensors hold the operands so the kernels get stable pointers without nested closures.
        func tensor(_ values: [Float]) -> Tensor { Tensor(shape: [values.count], values: values) }
        let x = tensor(rng.array(g.input.count))
        let weight = tensor(rng.array(s.m * g.patch, scale: 0.3))
        let bias = tensor(rng.array(s.m))
        let scale = tensor(rng.array(s.m, scale: 0.5).map { $0 + 1 })
        let shift = tensor(rng.array(s.m, scale: 0.3))
        let before = rng.array((s.m + 2) * g.outPlane)
        for (fold, accumulate) in [(false, false), (false, true), (true, false)] {
            func run(split: Bool) -> [Float] {
                let y = tensor(before)
                let affine = fold ? ChannelAffine(scale: scale.data, shift: shift.data, relu: true) : nil
                let biasPointer = fold ? nil : UnsafePointer(bias.data)
                let out = y.data + g.outPlane
                if split {
                    ConvKernels.splitForward(
                        x: x.data, weight: weight.data, bias: biasPointer, y: out, geometry: g, scratch: Scratch(),
                        accumulate: accumulate, epilogue: affine, algorithm: s.algorithm)
                } else {
                    ConvKernels.forward(
                        x: x.data, weight: weight.data, bias: biasPointer, y: out, geometry: g, scratch: Scratch(),
                        keepColumns: nil, accumulate: accumulate, epilogue: affine, algorithm: s.algorithm)
                }
                return y.array
            }
            let whole = run(split: false)
            let split = run(split: true)
            let changed = zip(whole, before).filter { $0 != $1 }.count
            let differing = zip(split, whole).filter { $0 != $1 }.count
            let error = scaledMaxError(split, whole)
            let label =
                "\(s.algorithm) fold \(fold) accumulate \(accumulate): \(differing) values differ, error \(error)"
            #expect(changed > 0)
            // OpenBLAS may add a GEMM's products in another order for half the rows; the direct kernel does not.
            #expect(s.algorithm == .direct ? differing == 0 : error < 2e-6, "\(label)")
        }
    }

    /// Hand-offs back to back (the helper spinning) and after it has parked: each runs both parts once.
    @Test func everyHandOffRunsBothPartsOnce() async throws {
        let helper = SpinningHelper.shared
        let counts = Mutex((caller: 0, helper: 0))
        for round in 0..<200 {
            helper.run({ counts.withLock { $0.helper += 1 } }, alongside: { counts.withLock { $0.caller += 1 } })
            if round % 50 == 49 {
                try await Task.sleep(nanoseconds: 3 * SpinningHelper.spinWindowNanoseconds)
            }
        }
        let (caller, helperRuns) = counts.withLock { ($0.caller, $0.helper) }
        #expect(caller == 200 && helperRuns == 200)
    }

    /// Callers on several threads at once: each gets both of its parts run once (the helper takes one at a time).
    @Test func concurrentCallersEachGetBothPartsRun() {
        let runs = Mutex([Int](repeating: 0, count: 8))
        DispatchQueue.concurrentPerform(iterations: 8) { caller in
            for _ in 0..<500 {
                SpinningHelper.shared.run(
                    { runs.withLock { $0[caller] += 1 } }, alongside: { runs.withLock { $0[caller] += 1 } })
            }
        }
        #expect(runs.withLock { $0 } == [Int](repeating: 1000, count: 8))
    }
}
