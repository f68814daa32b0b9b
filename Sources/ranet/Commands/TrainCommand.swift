import AdaptiveNets
import ArgumentParser
import Datasets
import ExperimentStore
import Foundation
import NeuralEngine
import Training

/// `ranet train`: trains a model on real data, streaming metrics into the store and checkpointing every epoch.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a RANet or MSDNet on a dataset, live metrics in the store, checkpoints every epoch.",
        discussion: """
            With no arguments: fmnist-small on Fashion-MNIST (apt-get install dataset-fashion-mnist). Ctrl-C stops \
            after the current step, writes a checkpoint and marks the run interrupted; `--resume RUN` continues it \
            exactly where it stopped. Prints the run id (or one JSON object with --json).

            Improved training (Li et al., ICCV 2019; docs/models.md): `--technique ge` trains with Gradient \
            Equilibrium (stage 1). `--imta-from RUN` starts stage 2 over run RUN's latest checkpoint: new heads with \
            inline subnetwork collaboration, the backbone frozen, trained by distillation from its last exit \
            (--temperature, --gamma) on RUN's data; the new run records RUN as its parent.
            """)

    @Option(help: "fashion-mnist, mnist, cifar10, cifar100 or folder.")
    var dataset: DatasetKind = .fashionMNIST
    @Option(help: "Dataset directory (default: the dataset's usual location).")
    var dataRoot: String?
    @Option(help: "Model preset name.")
    var preset: String?
    @Option(help: "Model config .json file (instead of --preset).")
    var config: String?
    @Option(help: "Architecture when no preset or config is given: ranet (default) or msdnet.")
    var arch: String?
    @Option(help: "Epochs (default 20; with --imta-from, the parent run's).") var epochs: Int?
    @Option(help: "Images per batch.") var batchSize: Int = 64
    @Option(help: "Initial learning rate.") var lr: Float = 0.1
    @Option(help: "multistep (divide by 10 at 50% and 75%) or cosine.") var schedule: TrainingOptions.Schedule =
        .multistep
    @Option(help: "Training images held out for validation.") var valSize: Int = Dataset.defaultValidationSize
    @Option(help: "Use only the first N training images (after the validation split).") var trainLimit: Int?
    @Option(help: "Comma-separated loss weight per exit (default: all 1).") var exitWeights: String?
    @Option(help: "Seed for initialisation, split, shuffling and augmentation.") var seed: UInt64 = 0
    @Option(
        help:
            "Threads running the parts of each batch (default: OpenBLAS's thread count). Results do not depend on it."
    ) var threads: Int?
    @Option(
        help:
            "Parts each batch is split into, with shared batch-norm statistics; at most this many threads help (default: one per 32 images, at most 8). Recorded in the run."
    ) var batchParts: Int?
    @Option(help: "Run name (default: preset and dataset).") var name: String?
    @Option(help: "Continue the run with this id from its latest checkpoint.") var resume: Int64?
    @Flag(
        help:
            "With --resume: resume even if the run's recorded process (pid on this host with a heartbeat under 60 s, or another host's fresh heartbeat) still looks alive."
    ) var force = false
    @Option(help: "Directory for checkpoints (default: ranet-checkpoints next to the store).") var checkpointDir:
        String?
    @Option(help: "Step metrics every N steps.") var logEvery: Int = 20
    @Option(help: "ge: Gradient Equilibrium (IMTA stage 1; values unchanged, gradients rescaled per exit).")
    var technique: TrainingOptions.Technique?
    @Option(help: "IMTA stage 2 over this run's latest checkpoint (new heads + ISC modules, backbone frozen).")
    var imtaFrom: Int64?
    @Option(help: "Distillation temperature T for --imta-from (> 0).") var temperature: Float = 3
    @Option(help: "Distillation weight gamma for --imta-from, in [0, 1].") var gamma: Float = 0.9
    @Flag(help: "Print one JSON object at the end instead of the run id.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        if technique == .imta { throw ValidationError("--technique imta: start IMTA's stage 2 with --imta-from RUN") }
        if resume != nil && (imtaFrom != nil || technique != nil) {
            throw ValidationError("--resume continues a run with its own recipe: leave out --imta-from and --technique")
        }
        if imtaFrom == nil && (temperature != 3 || gamma != 0.9) {
            throw ValidationError("--temperature and --gamma apply to IMTA's stage 2 (--imta-from RUN)")
        }
        guard temperature > 0, temperature.isFinite else {
            throw ValidationError("--temperature must be positive, got \(temperature)")
        }
        guard (0...1).contains(gamma) else { throw ValidationError("--gamma must lie in [0, 1], got \(gamma)") }
    }

    func run() throws {
        guard !force || resume != nil else { throw CLIError("--force applies only with --resume RUN") }
        if let threads { EngineThreads.set(threads) }
        let store = try storeOptions.openStore()
        let session =
            try resume.map { try TrainingSession.resume(runID: $0, store: store, force: force) }
            ?? TrainingSession.start(command: self, store: store)
        let progress = ProgressLine()
        progress.message(
            "run \(session.runID): \(session.model.architecture) \(session.presetName) on \(session.settings.dataset.rawValue), \(session.trainSize) training / \(session.validationSize) validation images, \(EngineThreads.count) thread(s), BLAS \(EngineThreads.blasCoreName)"
        )
        let result: TrainingSession.Result
        do { result = try session.train(progress: progress) } catch {
            // A new run that fails before its first step must not stay "running" (a resumed one keeps its status).
            if resume == nil { try? store.setStatus(.failed, runID: session.runID) }
            throw error
        }
        if json {
            let object: [String: Any] = [
                "run": session.runID, "epochs": result.epochs, "secondsPerEpoch": result.secondsPerEpoch,
                "validation": result.validation.enumerated().map {
                    ["exit": $0.offset, "accuracy": $0.element.accuracy, "loss": $0.element.loss]
                },
                "status": result.status.rawValue,
            ]
            print(
                String(
                    decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            )
        } else {
            print(session.runID)
        }
        if result.status == .interrupted { throw ExitCode(130) }
    }
}

extension DatasetKind: ExpressibleByArgument {}
extension TrainingOptions.Schedule: ExpressibleByArgument {}
extension TrainingOptions.Technique: ExpressibleByArgument {
    // imta is what --imta-from trains; it is not chosen by name.
    public static var allValueStrings: [String] { ["ge"] }
}
