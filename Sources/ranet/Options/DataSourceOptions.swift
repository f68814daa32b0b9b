import ArgumentParser
import Datasets
import ExperimentRecords
import Foundation

/// `--mean a,b,c` / `--std a,b,c`: per-channel statistics in the 0...1 pixel scale.
struct ChannelValues: ExpressibleByArgument {
    let values: [Float]

    init?(argument: String) {
        let values = argument.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0?.isFinite == true }) else { return nil }
        self.values = values.compactMap { $0 }
    }
}

/// The data source of a run that ranet did not train (logged with the Python logger, imported): dataset, directory
/// and normalisation. Whatever the run does not record yet is taken from these options and stored with the run on
/// first use; a normalisation that contradicts the recorded one is refused.
struct DataSourceOptions: ParsableArguments {
    @Option(help: "Dataset (default: the run's).")
    var dataset: DatasetKind?
    @Option(help: "Dataset directory (default: the run's for the run's dataset, else the dataset's usual location).")
    var dataRoot: String?
    @Option(
        help: ArgumentHelp(
            "Per-channel normalisation mean of pixel/255, comma-separated (runs trained elsewhere: stored on first use).",
            discussion: "As torchvision's Normalize(mean, std); e.g. 0.4914,0.4822,0.4465 for CIFAR-10."))
    var mean: ChannelValues?
    @Option(help: "Per-channel normalisation std of pixel/255, comma-separated (with --mean).")
    var std: ChannelValues?

    func validate() throws {
        if (mean == nil) != (std == nil) { throw ValidationError("give --mean and --std together") }
        if let mean, let std, mean.values.count != std.values.count {
            throw ValidationError("--mean has \(mean.values.count) values but --std \(std.values.count)")
        }
        if let std, !std.values.allSatisfy({ $0 > 0 }) { throw ValidationError("--std values must be positive") }
    }

    /// The normalisation given on the command line, if any.
    var normalization: RunDataSource.Statistics? {
        guard let mean, let std else { return nil }
        return RunDataSource.Statistics(mean: mean.values, std: std.values)
    }
}
