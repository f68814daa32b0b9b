import ArgumentParser
import ExperimentStore

/// `--run ID` / `--checkpoint PATH`: which model a command runs (the run gives config, data and normalisation).
struct ModelOptions: ParsableArguments {
    @Option(
        name: .customLong("run"),
        help: "Run id: its config, data settings and (without --checkpoint) latest checkpoint.")
    var runID: Int64?
    @Option(
        help: ArgumentHelp(
            "Checkpoint file (.safetensors).",
            discussion:
                "Without --run, the run named in the checkpoint's metadata (ranet train writes it). A checkpoint whose tensors or recorded config do not match the run's config is refused."
        ))
    var checkpoint: String?

    func validate() throws {
        guard runID != nil || checkpoint != nil else {
            throw ValidationError("give --run ID (its latest checkpoint) or --checkpoint PATH")
        }
    }

    /// The model; `source` completes the data source of a run trained elsewhere (see `RunSettings.forInference`).
    func load(_ store: ExperimentStore, source: DataSourceOptions? = nil) throws -> RunModel {
        try RunModel.load(store: store, runID: runID, checkpoint: checkpoint, source: source)
    }
}
