import Dashboard
import ExperimentStore
import Foundation

/// No store and no bundled sample data: nothing to show.
struct NoDataFound: Error, CustomStringConvertible {
    let storePath: String
    let sampleDataPaths: [String]
    var description: String {
        "no experiment store at \(storePath) and no bundled sample data (looked in "
            + sampleDataPaths.joined(separator: ", ")
            + "); train a model with `ranet train`, or pass --store PATH"
    }
}

/// Picks the data source: --store, $RANET_STORE, ./ranet.sqlite, then the bundled sample-data/ (read-only).
enum DataSourceChoice {
    /// The source, and the store file `ranet train` children should write so the dashboard sees their runs
    /// (for the bundled sample data, its temporary copy; nil for the fake data), and whether the source is the
    /// bundled sample data.
    static func make(
        storePath: String?, fake: Bool, environment: [String: String]
    ) throws
        -> (source: any DashboardDataSource, trainingStore: String?, isBundledSample: Bool)
    {
        if fake { return (FakeDataSource(sampleCount: 400), nil, false) }
        if let sample = StoreLocation.bundledSampleFallback(explicit: storePath, environment: environment) {
            let source = try StoreDataSource(path: sample, readOnly: true)
            return (source, source.openPath, true)
        }
        let path = StoreLocation.resolve(explicit: storePath, environment: environment)
        if FileManager.default.fileExists(atPath: path)
            || StoreLocation.explicitChoice(storePath, environment: environment) != nil
        {
            let source = try StoreDataSource(path: path, readOnly: false)
            return (source, source.openPath, false)
        }
        let candidates = StoreLocation.bundledSampleCandidates(
            executable: CommandLine.arguments[0], currentDirectory: FileManager.default.currentDirectoryPath)
        throw NoDataFound(storePath: path, sampleDataPaths: candidates.map(\.path))
    }
}
