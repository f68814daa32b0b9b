import Dashboard
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
        let explicit = storePath ?? environment["RANET_STORE"].flatMap { $0.isEmpty ? nil : $0 }
        let path = explicit ?? "ranet.sqlite"
        if FileManager.default.fileExists(atPath: path) || explicit != nil {
            let source = try StoreDataSource(path: path, readOnly: false)
            return (source, source.openPath, false)
        }
        let candidates = sampleDataCandidates()
        for directory in candidates {
            let store = directory.appendingPathComponent("ranet.sqlite")
            if FileManager.default.fileExists(atPath: store.path) {
                let source = try StoreDataSource(path: store.path, readOnly: true)
                return (source, source.openPath, true)
            }
        }
        throw NoDataFound(storePath: path, sampleDataPaths: candidates.map(\.path))
    }

    static func sampleDataCandidates() -> [URL] {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        return [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("sample-data"),
            executable.appendingPathComponent("../../sample-data").standardized,
            executable.appendingPathComponent("../../../sample-data").standardized,
        ]
    }
}
