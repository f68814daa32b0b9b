import CBLAS
import Foundation
import NeuralEngine

// Release-mode benchmark of the engine's convolution (forward + backward) on RANet-like shapes.
// Run with `make bench` (which lets OpenBLAS pick its own kernel, or its AVX2/AVX-512 one where it falls back to
// generic kernels; see BLASKernelChoice) or `swift run -c release ranet-bench`.

BLASKernelChoice.restartWithVectorKernelsIfNeeded()

struct ConvShape {
    let channelsIn, channelsOut, kernel, size: Int
    var label: String { "\(kernel)x\(kernel) \(channelsIn)->\(channelsOut) @\(size)x\(size)" }
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s[s.count / 2]
}

func measure(_ shape: ConvShape, batch: Int, repeats: Int) throws -> (forward: Double, backward: Double) {
    var rng = SeededRNG(seed: 1)
    let store = ParameterStore()
    let w = store.parameter("w", [shape.channelsOut, shape.channelsIn, shape.kernel, shape.kernel])
    w.value.fillNormal(std: 0.05, rng: &rng)
    let x = store.parameter("x", [batch, shape.channelsIn, shape.size, shape.size])
    x.value.fillNormal(std: 1, rng: &rng)
    let seed = Tensor(zeros: [batch, shape.channelsOut, shape.size, shape.size])
    seed.fillNormal(std: 1, rng: &rng)
    let graph = Graph(training: true)
    var fwd: [Double] = []
    var bwd: [Double] = []
    for i in 0..<(repeats + 2) {
        graph.reset()
        let t0 = DispatchTime.now().uptimeNanoseconds
        let y = try graph.conv2d(graph.parameter(x), weight: w, padding: shape.kernel / 2)
        let t1 = DispatchTime.now().uptimeNanoseconds
        try graph.backward(y, seed: seed)
        let t2 = DispatchTime.now().uptimeNanoseconds
        if i >= 2 {
            fwd.append(Double(t1 - t0) / 1e9)
            bwd.append(Double(t2 - t1) / 1e9)
        }
    }
    return (median(fwd), median(bwd))
}

let arguments = CommandLine.arguments
let batch = arguments.firstIndex(of: "--batch").flatMap { Int(arguments[$0 + 1]) } ?? 64
let repeats = arguments.firstIndex(of: "--repeats").flatMap { Int(arguments[$0 + 1]) } ?? 5
if let t = arguments.firstIndex(of: "--threads").flatMap({ Int(arguments[$0 + 1]) }) { EngineThreads.set(t) }

print("ranet-bench: conv2d forward+backward, batch \(batch), median of \(repeats) after 2 warm-ups")
print(
    "openblas_get_corename(): \(EngineThreads.blasCoreName), threads: \(EngineThreads.count), "
        + "engine code: \(EngineThreads.codeTarget)")
print("OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "(unset)")")
print("shape                        fwd ms   fwd GFLOP/s   bwd ms   bwd GFLOP/s   fwd+bwd GFLOP/s")
var shapes: [ConvShape] = []
// `--shape IN,OUT,K,SIZE` (repeatable) times only those shapes, e.g. one profile line of `ranet bench --profile`.
for (i, a) in arguments.enumerated() where a == "--shape" && i + 1 < arguments.count {
    let v = arguments[i + 1].split(separator: ",").compactMap { Int($0) }
    guard v.count == 4 else {
        print("--shape wants IN,OUT,K,SIZE, got \(arguments[i + 1])")
        exit(2)
    }
    shapes.append(ConvShape(channelsIn: v[0], channelsOut: v[1], kernel: v[2], size: v[3]))
}
for size in [32, 16, 8] where shapes.isEmpty || arguments.contains("--all") {
    for (cin, cout) in [(16, 16), (64, 64), (128, 32), (256, 256)] where !(size == 32 && cin > 64) {
        shapes.append(ConvShape(channelsIn: cin, channelsOut: cout, kernel: 3, size: size))
        shapes.append(ConvShape(channelsIn: cin, channelsOut: cout, kernel: 1, size: size))
    }
}
for shape in shapes {
    let (f, b) = try measure(shape, batch: batch, repeats: repeats)
    let flops =
        2.0
        * Double(batch * shape.channelsOut * shape.channelsIn * shape.kernel * shape.kernel * shape.size * shape.size)
    // Backward computes both dW and dx: twice the forward's arithmetic.
    print(
        shape.label.padding(toLength: 28, withPad: " ", startingAt: 0)
            + String(
                format: " %7.2f   %11.1f  %7.2f   %11.1f   %15.1f", f * 1e3, flops / f / 1e9, b * 1e3,
                2 * flops / b / 1e9, 3 * flops / (f + b) / 1e9))
}
