import Foundation
import Testing

@testable import ExperimentStore

/// Which store a command opens: --store, $RANET_STORE, ./ranet.sqlite, then (for readers) the bundled sample.
@Suite struct StoreLocationTests {
    /// A clone-like folder with sample-data/ranet.sqlite, and a build folder for the executable.
    static func clone() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(
            atPath: directory.file("sample-data"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            atPath: directory.file(".build/release"), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: directory.file("sample-data/ranet.sqlite"), contents: Data())
        return directory
    }

    @Test func explicitStoresComeFirstAndEmptyValuesCountAsAbsent() {
        #expect(StoreLocation.resolve(explicit: "a.sqlite", environment: ["RANET_STORE": "b.sqlite"]) == "a.sqlite")
        #expect(StoreLocation.resolve(explicit: nil, environment: ["RANET_STORE": "b.sqlite"]) == "b.sqlite")
        #expect(StoreLocation.resolve(explicit: "", environment: ["RANET_STORE": ""]) == StoreLocation.defaultPath)
        #expect(StoreLocation.explicitChoice(nil, environment: [:]) == nil)
    }

    @Test func readersFallBackOnTheBundledSampleOnlyWhenNoStoreIsNamedOrPresent() throws {
        let clone = try Self.clone()
        defer { clone.remove() }
        let elsewhere = try TemporaryDirectory()
        defer { elsewhere.remove() }
        let executable = clone.file(".build/release/ranet")
        let sample = clone.file("sample-data/ranet.sqlite")
        func fallback(_ explicit: String?, _ environment: [String: String], in directory: String) -> String? {
            StoreLocation.bundledSampleFallback(
                explicit: explicit, environment: environment, executable: executable, currentDirectory: directory)
        }
        // From the clone's top level, and from anywhere else through the executable's build folder.
        #expect(fallback(nil, [:], in: clone.path).map { URL(fileURLWithPath: $0).standardized.path } == sample)
        #expect(fallback(nil, [:], in: elsewhere.path).map { URL(fileURLWithPath: $0).standardized.path } == sample)
        #expect(fallback(nil, ["RANET_STORE": ""], in: clone.path) != nil)
        // A store named, or one of the user's in the working directory, wins.
        #expect(fallback("mine.sqlite", [:], in: clone.path) == nil)
        #expect(fallback(nil, ["RANET_STORE": "mine.sqlite"], in: clone.path) == nil)
        FileManager.default.createFile(atPath: elsewhere.file("ranet.sqlite"), contents: Data())
        #expect(fallback(nil, [:], in: elsewhere.path) == nil)
        // No sample anywhere: nothing to fall back on.
        try FileManager.default.removeItem(atPath: sample)
        #expect(fallback(nil, [:], in: clone.path) == nil)
    }
}
