import ArgumentParser
import NeuralEngine

@main
struct Ranet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ranet",
        abstract: "Train, evaluate and explore resolution-adaptive early-exit networks (RANet, MSDNet).",
        discussion: """
            Every command that touches experiments takes --store PATH (default: $RANET_STORE, else ./ranet.sqlite).
            Open the dashboard with `ranet-tui`.
            """,
        version: "0.1.0",
        subcommands: [
            // Subcommands are registered here, one line each.
            FlopsCommand.self,
            VerifyVectorsCommand.self,
            TrainCommand.self,
            EvalCommand.self,
            SweepCommand.self,
            InferCommand.self,
            SampleImagesCommand.self,
            BenchExitCommand.self,
            BenchCommand.self,
            RunsCommand.self,
            RunsExportCommand.self,
            RunsRemoveCommand.self,
            StoreBenchCommand.self,
            ImportLogitsCommand.self,
            ExportWeightsCommand.self,
            ImportWeightsCommand.self,
        ]
    )

    static func main() {
        BLASKernelChoice.restartWithVectorKernelsIfNeeded()
        main(nil)
    }
}
