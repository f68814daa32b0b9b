import ArgumentParser
import ExperimentStore
import Foundation

/// `ranet store-bench`: measure insert and load rates of the experiment store.
struct StoreBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-bench",
        abstract: "Benchmark store insert rates (step metrics; 10,000 samples x 8 exits) and sample loading.",
        discussion: """
            Without --store the benchmark uses a temporary file that is removed afterwards; with --store it writes
            a run named store-bench into that store and deletes it at the end.
            """)

    @Option(name: .long, help: "Store to benchmark (default: a temporary file).")
    var store: String?

    @Option(name: .long, help: "Number of per-sample records.")
    var samples = 10_000

    @Option(name: .long, help: "Exits per sample.")
    var exits = 8

    func run() throws {
        guard samples > 0, exits > 0 else { throw ValidationError("--samples and --exits must be positive") }
        let temporary = store == nil
        let path =
            store
            ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("ranet-store-bench-\(ProcessInfo.processInfo.processIdentifier).sqlite").path
        defer {
            if temporary {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
        }
        let result = try StoreBenchmark.run(
            store: ExperimentStore(path: path), sampleCount: samples, exitCount: exits)
        print("store: \(path)")
        print(result.report)
    }
}
