import AdaptiveNets
import ArgumentParser
import Foundation
import ModelConfigs
import NeuralEngine
import Training

/// `ranet bench`: one throughput measurement on random input, for side-by-side timing with other engines.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training or inference speed of a model on random input (no dataset needed).",
        discussion: """
            train: forward + backward through all exits + SGD step, the batch split into parts (--batch-parts) with \
            shared batch-norm statistics, run on the threads, as `ranet train` does (--profile then times the first \
            part, waits included); eval: forward through all exits, the batch split into parts (at least one per \
            thread, smaller when the model's feature maps are large), each part on one thread, as `ranet eval` does \
            (whole with --profile); latency: eval at batch 1 on one thread, which with --threads 2 or more hands half \
            of each large convolution's output channels to a second thread. Reports the median images/s over repeats \
            after a warm-up, and with --profile the time per op kind of one step. Build with -c release; OpenBLAS's \
            kernel is printed (its corename).
            """)

    enum Mode: String, ExpressibleByArgument, CaseIterable { case train, eval, latency }

    @Option(help: "Model preset or config .json.") var preset: String = "fmnist-small"
    @Option(help: "train, eval or latency.") var mode: Mode = .train
    @Option(help: "Images per batch (latency: 1).") var batchSize: Int = 64
    @Option(help: "Threads (OpenBLAS and the engine's loops).") var threads: Int?
    @Option(help: "train: parts each batch is split into (default: as `ranet train`, one per 32 images, at most 8).")
    var batchParts: Int?
    @Option(help: "Seconds to measure.") var seconds: Double = 5
    @Flag(help: "Print the time per op kind of one step.") var profile = false
    @Option(help: "With --profile, how many of the slowest conv shapes to list.") var shapes: Int = 12
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        if let threads { EngineThreads.set(threads) }
        let batch = mode == .latency ? 1 : batchSize
        guard batch >= (mode == .train ? 2 : 1) else { throw CLIError("--batch-size must be at least 2 for training") }
        let model = try ModelFactory.build(try ModelFactory.config(named: preset), seed: 1)
        var rng = SeededRNG(seed: 2)
        let x = Tensor(zeros: [batch] + model.inputShape)
        x.fillNormal(std: 1, rng: &rng)
        let labels = (0..<batch).map { Int32($0 % model.classes) }
        // Training as `ranet train` runs it: the batch split into its parts, with shared batch statistics, on the
        // threads.
        let trainParts = batchParts ?? TrainingStep.defaultParts(batchSize: batch)
        guard mode != .train || (1...batch).contains(trainParts) else {
            throw CLIError("--batch-parts must be between 1 and the batch size (\(batch))")
        }
        let trainingStep = TrainingStep(
            model: model, parts: mode == .train ? trainParts : 1, threads: EngineThreads.count)
        let graph = mode == .train ? trainingStep.leadGraph : Graph(training: false)
        let sgd = try SGD(learningRate: 0.01)
        let ones = [Float](repeating: 1, count: model.exitCount)
        // Batch-64 eval as `ranet eval` runs it: the batch in parts, each on one thread.
        // (--profile times one graph, so it keeps the whole batch together.)
        let parts =
            mode == .eval && !profile
            ? EngineThreads.inferenceParts(
                images: batch, threads: EngineThreads.count, imageFloats: try model.widestFeatureMapFloats()) : 1
        // One image runs on one thread: its small GEMMs and loops lose more to handing work to parked threads than
        // they gain. With more threads, its large convs share their output channels with a spinning helper thread.
        let oneImage = mode == .latency && !profile
        let partGraphs = (0..<parts).map { _ in Graph(training: false) }
        let bounds = EngineThreads.partBounds(batch, parts: parts)
        let partInputs = (0..<parts).map { x.rows(bounds[$0]..<bounds[$0 + 1]) }
        func step() throws {
            if mode == .train {
                _ = try trainingStep.run(images: x, labels: labels, weights: ones)
                sgd.step(model.store.parameters)
            } else if parts > 1 {
                try EngineThreads.runParts(parts, threads: EngineThreads.count) { part in
                    partGraphs[part].reset()
                    _ = try model.forward(partGraphs[part], partGraphs[part].input(partInputs[part]))
                }
            } else if oneImage {
                func forward() throws {
                    graph.reset()
                    _ = try model.forward(graph, graph.input(x))
                }
                try EngineThreads.forSingleImages(forward)
            } else {
                graph.reset()
                _ = try model.forward(graph, graph.input(x))
            }
        }
        for _ in 0..<3 { try step() }
        var rates: [Double] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        while clock.now < deadline || rates.count < 3 {
            let t = clock.now
            try step()
            let d = clock.now - t
            rates.append(Double(batch) / (Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18))
        }
        let median = rates.sorted()[rates.count / 2]
        let peakRSS = Self.peakResidentMB()
        if json {
            let object: [String: Any] = [
                "preset": preset, "mode": mode.rawValue, "batchSize": batch, "threads": EngineThreads.count,
                "imagesPerSecond": median, "corename": EngineThreads.blasCoreName, "peakRSSMB": peakRSS,
                "codeTarget": EngineThreads.codeTarget, "batchParts": trainingStep.parts,
            ]
            print(
                String(
                    decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            )
        } else {
            print(
                String(
                    format:
                        "%@ %@ batch %d, %d thread(s), BLAS %@: %.1f images/s (median of %d steps; %.2f ms/step), peak RSS %.0f MB",
                    preset, mode.rawValue, batch, EngineThreads.count, EngineThreads.blasCoreName, median, rates.count,
                    Double(batch) / median * 1000, peakRSS) + "; engine code: " + EngineThreads.codeTarget
                    + (mode == .train ? "; \(trainingStep.parts) batch part(s)" : ""))
        }
        if profile {
            if mode == .train && trainingStep.parts > EngineThreads.count {
                // The profile times the first part's ops by the wall clock; waiting at a batch-norm barrier for its
                // turn, that part's clock runs on while the other parts compute.
                print(
                    "note: \(trainingStep.parts) batch parts on \(EngineThreads.count) thread(s) take turns at every "
                        + "batch norm, so its times below include the other parts' work; for a profile of where the "
                        + "time goes, pass --batch-parts \(EngineThreads.count)")
            }
            try printProfile(graph: graph, step: step, model: model, batch: batch)
        }
    }

    func printProfile(graph: Graph, step: () throws -> Void, model: any EarlyExitNetwork, batch: Int) throws {
        let p = OpProfile()
        graph.profile = p
        GEMMClock.reset()
        GEMMClock.enabled = true
        let repeats = 5
        let clock = ContinuousClock()
        let t = clock.now
        for _ in 0..<repeats { try step() }
        let d = clock.now - t
        graph.profile = nil
        GEMMClock.enabled = false
        let total = (Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18) / Double(repeats)
        let flops = Double(try model.cost().cumulativeFlops.last!) * Double(batch) * 2 * (mode == .train ? 3 : 1)
        print(
            "time per op kind (one step of \(String(format: "%.2f", total * 1000)) ms; conv+linear work \(String(format: "%.2f", flops / 1e9)) GFLOP)"
        )
        let kinds = Set(p.forward.keys).union(p.backward.keys).sorted {
            (p.forward[$0, default: 0] + p.backward[$0, default: 0])
                > (p.forward[$1, default: 0] + p.backward[$1, default: 0])
        }
        for k in kinds {
            let f = p.forward[k, default: 0] / Double(repeats)
            let b = p.backward[k, default: 0] / Double(repeats)
            print(
                "  " + k.padding(toLength: 10, withPad: " ", startingAt: 0)
                    + String(
                        format: " fwd %8.2f ms  bwd %8.2f ms  %5.1f%% of step", f * 1000, b * 1000,
                        (f + b) / total * 100))
        }
        let conv = (p.forward["conv", default: 0] + p.backward["conv", default: 0]) / Double(repeats)
        print(
            String(
                format: "  conv achieved %.1f GFLOP/s (multiply-add = 2 FLOPs; backward counted as 2x forward)",
                flops / conv / 1e9))
        let gemm = GEMMClock.seconds / Double(repeats)
        print(
            String(
                format: "  sgemm inside conv and linear: %.2f ms per step (%.0f%% of conv+linear time) at %.1f GFLOP/s",
                gemm * 1000,
                gemm / (conv + (p.forward["linear", default: 0] + p.backward["linear", default: 0]) / Double(repeats))
                    * 100,
                GEMMClock.flops / GEMMClock.seconds / 1e9))
        let slowest = p.convShapes.sorted { $0.value.seconds > $1.value.seconds }
        print("  slowest conv shapes (kernel/stride in->out channels at input size, all layers of that shape):")
        for (shape, time) in slowest.prefix(max(shapes, 0)) {
            print(
                "    " + shape.padding(toLength: 26, withPad: " ", startingAt: 0)
                    + String(
                        format: " fwd %7.2f ms  bwd %7.2f ms  %5.1f%% of step  %6.1f GFLOP/s  sgemm %3.0f%%",
                        time.forward * 1000 / Double(repeats), time.backward * 1000 / Double(repeats),
                        time.seconds / Double(repeats) / total * 100, 2 * Double(time.macs) / time.seconds / 1e9,
                        time.gemm / time.seconds * 100))
        }
    }

    static func peakResidentMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kb / 1024
    }
}
