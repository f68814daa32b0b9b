import AdaptiveNets
import ExperimentRecords
import ExperimentStore
import Foundation
import ModelConfigs

extension ExperimentStore {
    /// The run `id`, or an error naming it and this store (`context` says where the id came from).
    func requiredRun(id: Int64, context: String = "") throws -> RunRecord {
        guard let run = try storedRun(id: id) else { throw CLIError("no run \(id) in the store \(path)\(context)") }
        return run
    }
}

extension RunRecord {
    /// The model config the run was created with, or an error naming the run.
    func modelConfig() throws -> ModelConfig {
        do { return try JSONDecoder().decode(ModelConfig.self, from: Data(configJSON.utf8)) } catch {
            throw CLIError(
                "run \(id ?? 0): its stored config is not a ranet model config, so ranet cannot build its model "
                    + "(a run of imported logits, or logged with another model's config): \(error)")
        }
    }
}
