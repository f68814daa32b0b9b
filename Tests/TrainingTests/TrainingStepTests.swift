import AdaptiveNets
import Datasets
import ModelConfigs
import NeuralEngine
import Testing
import Training

/// A batch split across replicas (synchronised batch norm) must train exactly as the whole batch on one graph does,
/// up to the order of floating-point additions: same losses, gradients and running statistics.
/// The replicas keep the process's BLAS thread count here (`oneBLASThreadEach: false`): other suites run engine
/// work in this process at the same time; the one-thread setting is the code `ranet eval`'s child-process test covers.
@Suite struct TrainingStepTests {
    static let ranet = RANetConfig(
        nChannels: 4, growthRate: 4, grFactor: [2, 1], bnFactor: [2, 1], scaleList: [1, 2],
        nBlocks: 2, blockStep: 1, step: 1, stepMode: "even", classes: 5, input: [3, 16, 16])
    static let msdnet = MSDNetConfig(
        nBlocks: 3, stepMode: "even", step: 1, base: 1, nChannels: 4, growthRate: 2,
        grFactor: [1, 2], bnFactor: [1, 1], classes: 5, input: [1, 12, 12])

    static func batch(_ n: Int, _ shape: [Int], classes: Int) -> (Tensor, [Int32]) {
        var rng = SeededRNG(seed: 21)
        let x = Tensor(zeros: [n] + shape)
        x.fillNormal(std: 1, rng: &rng)
        return (x, (0..<n).map { Int32(($0 * 7 + 3) % classes) })
    }

    /// Largest |a - b| relative to the largest |a| (so tiny gradients do not dominate).
    static func relativeDifference(_ a: Tensor, _ b: Tensor) -> Float {
        var diff: Float = 0
        var scale: Float = 1e-12
        for i in 0..<a.count {
            diff = max(diff, abs(a[i] - b[i]))
            scale = max(scale, abs(a[i]))
        }
        return diff / scale
    }

    func expectSameStep(
        _ make: () throws -> any EarlyExitNetwork, batchSize: Int, replicas: Int, threads: Int? = nil
    ) throws {
        let whole = try make()
        let split = try make()
        let (x, labels) = Self.batch(batchSize, whole.inputShape, classes: whole.classes)
        let weights = (0..<whole.exitCount).map { Float($0 + 1) / Float(whole.exitCount) }
        let a = try TrainingStep(model: whole, oneBLASThreadEach: false).run(
            images: x, labels: labels, weights: weights)
        let step = TrainingStep(model: split, parts: replicas, threads: threads, oneBLASThreadEach: false)
        let initial = split.store.buffers.map {
            Array(UnsafeBufferPointer(start: $0.value.data, count: $0.value.count))
        }
        _ = try step.run(images: x, labels: labels, weights: weights)
        // A second step on the same graphs (from the same running statistics): the replicas' own gradient buffers
        // must start again from zero.
        for (buffer, values) in zip(split.store.buffers, initial) {
            buffer.value.copy(from: Tensor(shape: buffer.value.shape, values: values))
        }
        let b = try step.run(images: x, labels: labels, weights: weights)
        for (la, lb) in zip(a.exits, b.exits) {
            #expect(abs(la - lb) <= 1e-5 * max(1, abs(la)), "exit losses \(a.exits) vs \(b.exits)")
        }
        #expect(abs(a.total - b.total) <= 1e-5 * max(1, abs(a.total)))
        for (pa, pb) in zip(whole.store.parameters, split.store.parameters) {
            let d = Self.relativeDifference(pa.grad, pb.grad)
            #expect(d < 2e-4, "gradient of \(pa.name) differs by \(d) of its largest value")
        }
        for (ba, bb) in zip(whole.store.buffers, split.store.buffers) {
            let d = Self.relativeDifference(ba.value, bb.value)
            #expect(d < 1e-5, "\(ba.name) differs by \(d) of its largest value")
        }
    }

    @Test func ranetSplitInThreeUnevenPartsMatchesTheWholeBatch() throws {
        try expectSameStep({ try RANet(config: Self.ranet, seed: 5) }, batchSize: 8, replicas: 3)
    }

    @Test func msdnetSplitInTwoMatchesTheWholeBatch() throws {
        try expectSameStep({ try MSDNet(config: Self.msdnet, seed: 6) }, batchSize: 7, replicas: 2)
    }

    @Test func batchSmallerThanTheReplicaCountRunsWhole() throws {
        try expectSameStep({ try RANet(config: Self.ranet, seed: 5) }, batchSize: 2, replicas: 4)
    }

    @Test func oneImagePerReplicaStillUsesTheWholeBatchStatistics() throws {
        // Each part alone has one value per channel in the 1x1 classifier planes: only the shared sums make it work.
        try expectSameStep({ try MSDNet(config: Self.msdnet, seed: 6) }, batchSize: 3, replicas: 3)
    }
}

/// The part count alone decides the results: what a part computes does not depend on which thread runs it. Bit
/// equality across thread counts needs every part on one BLAS thread, which only a process of its own can set (the
/// tests share theirs), so `TrainExactnessTests` compares whole `ranet train` runs; here fewer threads than parts
/// (the parts taking turns at every batch norm) must still give the whole batch's step.
@Suite struct PartsOnFewerThreadsTests {
    @Test(arguments: [1, 2])
    func ranetFourPartsOnFewerThreadsMatchTheWholeBatch(threads: Int) throws {
        try TrainingStepTests().expectSameStep(
            { try RANet(config: TrainingStepTests.ranet, seed: 5) }, batchSize: 9, replicas: 4, threads: threads)
    }

    @Test func msdnetThreePartsOnTwoThreadsMatchTheWholeBatch() throws {
        try TrainingStepTests().expectSameStep(
            { try MSDNet(config: TrainingStepTests.msdnet, seed: 6) }, batchSize: 7, replicas: 3, threads: 2)
    }

    @Test func validationPartsOnFewerThreadsMatchTheWholeBatch() throws {
        let data = try Dataset.synthetic(classes: 5, channels: 3, height: 16, width: 16, count: 45, seed: 8)
        let loader = try BatchLoader.evaluation(
            dataset: data, batchSize: 16, normalization: Normalization.compute(from: data))
        let model = try RANet(config: TrainingStepTests.ranet, seed: 5)
        let whole = try Validation.run(model: model, loader: loader, oneThreadEach: false)
        let split = try Validation.run(model: model, loader: loader, parts: 4, threads: 3, oneThreadEach: false)
        #expect(whole.accuracies == split.accuracies)
        for (a, b) in zip(whole.losses, split.losses) { #expect(abs(a - b) <= 1e-5 * max(1, abs(a))) }
    }

    @Test func defaultPartsDependOnTheBatchSizeOnly() {
        #expect(TrainingStep.defaultParts(batchSize: 2) == 1)
        #expect(TrainingStep.defaultParts(batchSize: 64) == 2)
        #expect(TrainingStep.defaultParts(batchSize: 100) == 3)
        #expect(TrainingStep.defaultParts(batchSize: 1024) == TrainingStep.maximumParts)
    }
}

@Suite struct ValidationSplitTests {
    /// Validation split into parts (one thread each) counts the same images and finds the same accuracies.
    @Test func splitValidationMatchesWhole() throws {
        let data = try Dataset.synthetic(classes: 5, channels: 3, height: 16, width: 16, count: 45, seed: 8)
        let loader = try BatchLoader.evaluation(
            dataset: data, batchSize: 16, normalization: Normalization.compute(from: data))
        let model = try RANet(config: TrainingStepTests.ranet, seed: 5)
        let whole = try Validation.run(model: model, loader: loader, oneThreadEach: false)
        let split = try Validation.run(model: model, loader: loader, parts: 3, oneThreadEach: false)
        #expect(whole.accuracies == split.accuracies)
        for (a, b) in zip(whole.losses, split.losses) { #expect(abs(a - b) <= 1e-5 * max(1, abs(a))) }
        #expect(whole.accuracies.contains { $0 > 0 })
    }
}
