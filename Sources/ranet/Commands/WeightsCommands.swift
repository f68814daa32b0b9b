import AdaptiveNets
import ArgumentParser
import ExperimentStore
import Foundation

/// `ranet export-weights`: a checkpoint's model weights as a PyTorch state_dict in safetensors.
struct ExportWeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-weights",
        abstract: "Write a checkpoint's weights as a PyTorch state_dict (safetensors, reference parameter names).",
        discussion: """
            Takes a run's latest checkpoint (--run ID), or --checkpoint FILE with --run, --preset or --config for \
            the model (not needed for checkpoints written by import-weights, which carry their config). \
            Writes parameters and BatchNorm running statistics under the reference implementation's \
            names, float32, without optimizer state; the ranet config goes into the file's metadata. In PyTorch: \
            model.load_state_dict(safetensors.torch.load_file(FILE), strict=False) (only the \
            num_batches_tracked counters are absent). --float16 halves the file (values rounded to nearest; \
            check with `ranet eval` that the accuracies hold). --record (with --run) makes the file that run's \
            latest checkpoint, recorded relative to the store's folder when it lies beneath it, so a store ships \
            with its weights: how sample-data/ was made.
            """)

    @Option(name: .customLong("run"), help: "Run id (its config; its latest checkpoint unless --checkpoint).")
    var runID: Int64?
    @Option(help: "Checkpoint file to export.") var checkpoint: String?
    @Option(help: "Model preset name (with --checkpoint).") var preset: String?
    @Option(help: "Model config .json file (with --checkpoint).") var config: String?
    @Option(help: "Output .safetensors file (written atomically; never the store or a run's checkpoint).")
    var out: String
    @Flag(help: "Replace --out if it exists.") var force = false
    @Flag(help: "Store the values as float16 (half the size) instead of float32.") var float16 = false
    @Flag(help: "With --run: make --out the run's latest checkpoint in the store.") var record = false
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        if record && runID == nil { throw ValidationError("--record needs --run ID (the run to record the file in)") }
    }

    func run() throws {
        try OutputTarget.check(out, force: force, storeOptions: storeOptions)
        let store = try runID.map { _ in try record ? storeOptions.openStore() : storeOptions.openStoreForReading() }
        let run = try runID.map { try store!.requiredRun(id: $0) }
        guard let path = checkpoint ?? run.flatMap({ store!.latestCheckpoint(of: $0) }) else {
            throw CLIError(run == nil ? "give --run ID or --checkpoint FILE" : "run \(runID!) has no checkpoint yet")
        }
        let metadata =
            run == nil && preset == nil && config == nil ? (try? SafeTensorsFile.read(path))?.metadata ?? [:] : [:]
        let modelConfig = try WeightsTransfer.config(run: run, preset: preset ?? config, metadata: metadata)
        let model = try WeightsTransfer.model(config: modelConfig, checkpoint: path)
        var file = try WeightsTransfer.stateDict(of: model, config: modelConfig, source: path)
        if float16 { file.precision = .float16 }
        if record, let store, let runID {
            file.metadata["run"] = "\(runID)"
            file.metadata["store_id"] = try store.storeID()
        }
        do { try file.write(to: out) } catch { throw CLIError("\(error)") }
        if record, let store, let runID { try store.addCheckpoint(runID: runID, path: out) }
        print(
            "wrote \(out): \(file.order.count) tensors (\(model.architecture), \(model.exitCount) exits, "
                + "\(file.precision.rawValue)) from \(path)" + (record ? "; now run \(runID!)'s latest checkpoint" : "")
        )
    }
}

/// `ranet import-weights`: a PyTorch state_dict in safetensors becomes a ranet checkpoint.
struct ImportWeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-weights",
        abstract: "Turn a PyTorch state_dict (safetensors, reference parameter names) into a ranet checkpoint.",
        discussion: """
            The model comes from --run ID, --preset or --config, else from the file's ranet_config metadata (files \
            written by export-weights). Every tensor must be a parameter or BatchNorm buffer of that model with the \
            right shape, and none may be missing (num_batches_tracked counters are ignored); a DDP `module.` prefix \
            is removed. Save the state_dict in PyTorch with \
            safetensors.torch.save_file(model.state_dict(), FILE). With --run ID the checkpoint is also added to \
            that run, so `ranet eval --run ID` evaluates it.
            """)

    @Option(help: "PyTorch state_dict .safetensors file.") var weights: String
    @Option(name: .customLong("run"), help: "Run whose config the weights fit; the checkpoint is added to it.")
    var runID: Int64?
    @Option(help: "Model preset name.") var preset: String?
    @Option(help: "Model config .json file.") var config: String?
    @Option(help: "Name prefix to remove (default: module. when every name has it).") var prefix: String?
    @Option(help: "Output checkpoint .safetensors file (written atomically; never the store or a run's checkpoint).")
    var out: String
    @Flag(help: "Replace --out if it exists.") var force = false
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try OutputTarget.check(out, force: force, storeOptions: storeOptions)
        let store = try runID.map { _ in try storeOptions.openStore() }
        let run = try runID.map { try store!.requiredRun(id: $0) }
        let header: SafeTensorsFile
        do { header = try SafeTensorsFile.read(weights) } catch let error as WeightsError { throw CLIError("\(error)") }
        let modelConfig = try WeightsTransfer.config(run: run, preset: preset ?? config, metadata: header.metadata)
        let (model, stripped) = try WeightsTransfer.model(config: modelConfig, stateDict: weights, prefix: prefix)
        var file = try WeightsTransfer.stateDict(of: model, config: modelConfig, source: weights)
        file.metadata["format"] = nil
        file.metadata["imported_from"] = weights
        do { try file.write(to: out) } catch { throw CLIError("\(error)") }
        if let store, let runID { try store.addCheckpoint(runID: runID, path: out) }
        print(
            "wrote \(out): \(file.order.count) tensors (\(model.architecture), \(model.exitCount) exits)"
                + (stripped.isEmpty ? "" : ", prefix \(stripped) removed")
                + (runID.map { ", added to run \($0)" } ?? ""))
    }
}
