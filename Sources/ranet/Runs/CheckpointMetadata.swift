import AdaptiveNets
import ExperimentStore
import Foundation

/// What `ranet train` writes into a checkpoint's metadata (run id, architecture, per-exit cumulative FLOPs), used to
/// find a checkpoint's run and to refuse a checkpoint whose model is not the run's.
enum CheckpointMetadata {
    /// The run a checkpoint names; refused when there is no checkpoint or it names none.
    static func runID(of checkpoint: String?, store: ExperimentStore) throws -> Int64 {
        guard let checkpoint else { throw CLIError("give --run ID or --checkpoint PATH") }
        guard FileManager.default.fileExists(atPath: checkpoint) else {
            throw CLIError("checkpoint \(checkpoint) not found")
        }
        let metadata: [String: String]
        do { metadata = try SafeTensorsFile.read(checkpoint).metadata } catch {
            throw CLIError("checkpoint \(error)")
        }
        guard let text = metadata["run"], let id = Int64(text) else {
            throw CLIError(
                "checkpoint \(checkpoint) does not name the run it belongs to (no \"run\" in its metadata): "
                    + "pass --run ID to say which run's config and data it goes with")
        }
        return id
    }

    /// Where `ranet train` puts run `runID`'s checkpoint: the store's identity starts the name, so runs of two stores
    /// sharing a folder (a.sqlite and b.sqlite, both with a run 1) never write the same file.
    static func defaultPath(directory: String, storeID: String, runID: Int64) -> String {
        (directory as NSString).appendingPathComponent(
            "\(storeID.prefix(storeIDPrefixLength))-run-\(runID).safetensors")
    }

    /// Hex digits of the store id in checkpoint names (48 random bits; the metadata check catches the rest).
    static let storeIDPrefixLength = 12

    /// Throws when a checkpoint's metadata names another run or another store than the one it is loaded for.
    /// Checkpoints written before store ids existed carry only the run, and are checked on that.
    static func checkOwner(_ metadata: [String: String], path: String, runID: Int64, store: ExperimentStore) throws {
        if let run = metadata["run"], run != "\(runID)" {
            throw CLIError("checkpoint \(path) belongs to run \(run), not run \(runID)")
        }
        if let owner = metadata["store_id"], owner != (try store.storeID()) {
            throw CLIError(
                "checkpoint \(path) was written for a run of another store (store id \(owner)), not \(store.path): "
                    + "two stores' checkpoints must not share a path")
        }
    }

    /// Throws when the metadata says the checkpoint was written for another architecture or cost table than the
    /// run's model (tensors of the same shapes can still belong to another config). Files without the keys (not
    /// written by ranet train) are accepted on their tensors alone.
    static func check(
        _ metadata: [String: String], path: String, runID: Int64, model: any EarlyExitNetwork,
        cost: CostTable
    ) throws {
        if let architecture = metadata["architecture"], architecture != model.architecture {
            throw CLIError("checkpoint \(path) holds a \(architecture) model but run \(runID) is \(model.architecture)")
        }
        let flops = cost.cumulativeFlops.map(String.init).joined(separator: ",")
        if let stored = metadata["cumulative_flops"], stored != flops {
            throw CLIError(
                "checkpoint \(path) was written for a model with per-exit FLOPs [\(stored)] but run \(runID)'s "
                    + "config gives [\(flops)]: the checkpoint's config does not match the run")
        }
    }
}
