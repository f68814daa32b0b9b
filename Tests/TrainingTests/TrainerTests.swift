import AdaptiveNets
import Datasets
import Foundation
import ModelConfigs
import NeuralEngine
import Testing
import Training

final class RecordingObserver: TrainingObserver {
    var steps: [StepReport] = []
    var epochs: [EpochReport] = []
    var checkpoints: [TrainingPosition] = []
    func step(_ report: StepReport) { steps.append(report) }
    func epoch(_ report: EpochReport) { epochs.append(report) }
    func checkpoint(path: String, position: TrainingPosition) { checkpoints.append(position) }
}

/// Stops a run after a given number of steps (as Ctrl-C would).
final class StopAfter: TrainingObserver {
    let signal = StopSignal(), steps: Int
    init(_ steps: Int) { self.steps = steps }
    func step(_ report: StepReport) { if report.step >= steps { signal.request() } }
    func epoch(_ report: EpochReport) {}
    func checkpoint(path: String, position: TrainingPosition) {}
}

@Suite struct TrainerTests {
    static let config = RANetConfig(
        nChannels: 4, growthRate: 4, grFactor: [2, 1], bnFactor: [2, 1], scaleList: [1, 2],
        nBlocks: 1, blockStep: 1, step: 1, stepMode: "even", classes: 3, input: [1, 16, 16])

    func setup(epochs: Int, logEvery: Int = 1) throws -> (RANet, TrainingOptions, BatchLoader, BatchLoader) {
        let data = try Dataset.synthetic(classes: 3, channels: 1, height: 16, width: 16, count: 120, seed: 3)
        let split = try data.splittingValidation(size: 24, seed: 1)
        let norm = Normalization.compute(from: split.train)
        var options = TrainingOptions()
        options.epochs = epochs
        options.batchSize = 16
        options.learningRate = 0.05
        options.logEvery = logEvery
        options.seed = 9
        let train = try BatchLoader(
            dataset: split.train, batchSize: 16, normalization: norm, augmentation: .mnist, seed: 9)
        let val = try BatchLoader.evaluation(dataset: split.validation, batchSize: 32, normalization: norm)
        return (try RANet(config: Self.config, seed: 4), options, train, val)
    }

    func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ranet-train-\(getpid())-\(name).safetensors")
            .path
    }

    @Test func lossDecreasesAndMetricsAndCheckpointsArrive() throws {
        let (model, options, train, val) = try setup(epochs: 4)
        let trainer = try Self.sharingTheProcess(Trainer(model: model, options: options, train: train, validation: val))
        let observer = RecordingObserver()
        let path = tempPath("a")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try trainer.run(observer: observer, checkpointPath: path) == .finished)
        #expect(observer.epochs.count == 4 && observer.checkpoints.count == 4)
        #expect(observer.steps.allSatisfy { $0.exitLosses.count == 2 && $0.imagesPerSecond > 0 })
        let first = observer.steps.prefix(3).map(\.totalLoss).reduce(0, +)
        let last = observer.steps.suffix(3).map(\.totalLoss).reduce(0, +)
        #expect(last < first * 0.8, "loss went from \(first / 3) to \(last / 3)")
        #expect(observer.epochs.last!.exitAccuracies.allSatisfy { $0 > 0.5 })
        #expect(FileManager.default.fileExists(atPath: path))
        // The recipe and position in the metadata are canonical JSON (sorted keys), so equal states give equal files.
        let metadata = try Checkpoint.load(path, into: try RANet(config: Self.config, seed: 4)).metadata
        for key in ["options", "position"] {
            let text = try #require(metadata[key], "checkpoint metadata lacks \(key)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(key) is not an object")
            let keys = object.keys.sorted().map { "\"\($0)\":" }
            let positions = keys.map { text.range(of: $0)!.lowerBound }
            #expect(keys.count > 1 && positions == positions.sorted(), "\(key) keys are not sorted: \(text)")
        }
        // lr drops at 50% and 75% of the epochs.
        #expect(observer.steps.last!.learningRate < 0.05 * 0.011)
    }

    /// Other suites run engine work in this process at the same time: a trainer that set the process's BLAS thread
    /// count would change it under them (and theirs under it). `TrainExactnessTests` covers the one-thread setting in
    /// processes of its own.
    static func sharingTheProcess(_ trainer: Trainer) -> Trainer {
        trainer.oneBLASThreadEach = false
        return trainer
    }

    @Test func resumeAfterAnInterruptionGivesIdenticalParameters() throws {
        let (straightModel, options, train, val) = try setup(epochs: 2)
        _ = try Self.sharingTheProcess(Trainer(model: straightModel, options: options, train: train, validation: val))
            .run(observer: nil, checkpointPath: nil)

        let (model, _, _, _) = try setup(epochs: 2)
        let path = tempPath("b")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stopper = StopAfter(4)  // mid-epoch: 6 batches per epoch
        let outcome = try Self.sharingTheProcess(Trainer(model: model, options: options, train: train, validation: val))
            .run(observer: stopper, checkpointPath: path, stop: stopper.signal)
        #expect(outcome == .interrupted)

        let (resumed, _, _, _) = try setup(epochs: 2)
        let fresh = try Trainer(model: resumed, options: options, train: train, validation: val)
        let loaded = try Checkpoint.load(path, into: resumed, optimizer: fresh.optimizer)
        #expect(loaded.position == TrainingPosition(epoch: 0, batch: 4, globalStep: 4))
        let continued = try Self.sharingTheProcess(
            Trainer(model: resumed, options: options, train: train, validation: val, position: loaded.position))
        for (name, buffer) in fresh.optimizer.buffers { continued.optimizer.setBuffer(name, buffer) }
        #expect(try continued.run(observer: nil, checkpointPath: path) == .finished)
        for (a, b) in zip(straightModel.store.parameters, resumed.store.parameters) {
            #expect(a.value.array == b.value.array, "\(a.name) differs after resume")
        }
    }

    @Test func mismatchedDataOrOptionsAreRefused() throws {
        let (model, options, train, val) = try setup(epochs: 1)
        var bad = options
        bad.exitWeights = [1, 1, 1]
        #expect(throws: TrainingError.self) { try Trainer(model: model, options: bad, train: train, validation: val) }
        let rgb = try Dataset.synthetic(classes: 3, channels: 3, height: 16, width: 16, count: 8, seed: 1)
        let loader = try BatchLoader(dataset: rgb, batchSize: 4, normalization: .unit(channels: 3))
        #expect(throws: TrainingError.self) {
            try Trainer(model: model, options: options, train: loader, validation: nil)
        }
    }
}
