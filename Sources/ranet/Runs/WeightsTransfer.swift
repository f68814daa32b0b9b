import AdaptiveNets
import ExperimentRecords
import ExperimentStore
import Foundation
import ModelConfigs
import Training

/// Moving weights between ranet checkpoints and PyTorch state_dicts saved as safetensors (reference names).
///
/// Both sides use the reference implementations' parameter and buffer names, so the transfer is a check (every
/// name known, none missing, every shape right) plus a change of what travels along: a checkpoint carries SGD
/// momentum buffers and the training position, a state_dict only the model's parameters and BN running statistics.
/// PyTorch's int64 `num_batches_tracked` counters are skipped on import and not written on export (load with
/// `strict=False`, as the reference vectors do; they only matter for BatchNorm with momentum=None).
enum WeightsTransfer {
    /// Metadata key holding the ranet config JSON in exported state_dicts (import-weights reads it back).
    static let configKey = "ranet_config"

    /// The model config from, in this order: a run (its stored config), a preset or config file, the file's own
    /// `ranet_config` metadata (export-weights writes it), or reference argparse `args` with `input_shape_NCHW`
    /// in the metadata (the convention of the PyTorch reference vectors).
    /// An IMTA stage-2 network (its run's or file's config says `imta_heads`, or the vectors' `imta` metadata names
    /// stage IMTA) keeps the reference's `net.*`, `classifier.*` and `isc_modules.*` names.
    static func config(run: RunRecord?, preset: String?, metadata: [String: String] = [:]) throws -> NetworkConfig {
        if let run {
            do { return try JSONDecoder().decode(NetworkConfig.self, from: Data(run.configJSON.utf8)) } catch {
                throw CLIError("run \(run.id ?? 0) has no ranet model config (an import-logits run?): \(error)")
            }
        }
        if let preset { return NetworkConfig(try ModelFactory.config(named: preset)) }
        if let json = metadata[configKey] {
            do { return try JSONDecoder().decode(NetworkConfig.self, from: Data(json.utf8)) } catch {
                throw CLIError("the file's \(configKey) metadata is not a readable config: \(error)")
            }
        }
        if let argsText = metadata["args"], let shapeText = metadata["input_shape_NCHW"],
            let args = (try? JSONSerialization.jsonObject(with: Data(argsText.utf8))) as? [String: Any],
            let shape = (try? JSONSerialization.jsonObject(with: Data(shapeText.utf8))) as? [NSNumber]
        {
            let imtaStage =
                metadata["imta"].flatMap {
                    (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
                }?["stage"] as? String
            return NetworkConfig(
                try ModelFactory.config(referenceArgs: args, inputNCHW: shape.map(\.intValue)),
                imtaHeads: imtaStage == "IMTA")
        }
        throw CLIError("say which model the weights belong to: --run ID, --preset NAME or --config FILE")
    }

    /// A fresh (uninitialised) model of `config` holding the tensors of a ranet checkpoint.
    static func model(config: NetworkConfig, checkpoint path: String) throws -> any EarlyExitNetwork {
        let model = try ModelFactory.build(config, initialize: false)
        do { try Checkpoint.load(path, into: model) } catch let error as WeightsError {
            throw CLIError("\(error) (does the checkpoint belong to this \(model.architecture) config?)")
        }
        return model
    }

    /// A fresh model holding a PyTorch state_dict; a common prefix such as DDP's `module.` is removed
    /// (`prefix` nil: detect `module.`).
    static func model(
        config: NetworkConfig, stateDict path: String, prefix: String?
    ) throws -> (any EarlyExitNetwork, String) {
        let model = try ModelFactory.build(config, initialize: false)
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile.read(path) } catch let error as WeightsError { throw CLIError("\(error)") }
        let strip =
            prefix ?? (!file.order.isEmpty && file.order.allSatisfy { $0.hasPrefix("module.") } ? "module." : "")
        if let bad = file.firstNonFinite() {
            throw CLIError(
                "\(path): tensor \(bad.tensor) holds \(file.tensors[bad.tensor]!.values[bad.index]) at index \(bad.index): "
                    + "weights must be finite numbers (was the model trained to divergence?)")
        }
        if let momentum = file.order.first(where: { $0.hasPrefix("optimizer.") }) {
            throw CLIError(
                "\(path): tensor \(momentum) is optimizer state: this is a ranet checkpoint, not a state_dict "
                    + "(use it directly, or export-weights it)")
        }
        do { try model.store.load(file, path: path, prefix: strip) } catch let error as WeightsError {
            throw CLIError("\(error) (is it a state_dict of this \(model.architecture) config?)")
        }
        return (model, strip)
    }

    /// The model's state_dict (reference names, float32) with the config and provenance in the metadata.
    static func stateDict(
        of model: any EarlyExitNetwork, config: NetworkConfig, source: String
    ) throws -> SafeTensorsFile {
        var file = model.store.stateDict()
        let cost = try model.cost()
        file.metadata = [
            "format": "pt", configKey: try config.json(),
            "architecture": model.architecture, "source": source,
            "cumulative_flops": cost.cumulativeFlops.map(String.init).joined(separator: ","),
        ]
        return file
    }
}
