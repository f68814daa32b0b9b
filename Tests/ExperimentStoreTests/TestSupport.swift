import ExperimentRecords
import Foundation

@testable import ExperimentStore

/// A fresh directory under /tmp for one test; `remove()` deletes it.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("ranet-store-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Path of a file inside the directory.
    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A minimal run for tests.
func sampleRun(name: String = "fmnist-ranet", status: RunStatus = .running, createdAt: Date = Date()) -> RunRecord {
    RunRecord(
        name: name, architecture: "RANet", configJSON: #"{"scales":3,"blocks":[2,2,2]}"#, dataset: "fashion-mnist",
        trainSize: 55_000, validationSize: 5_000, testSize: 10_000, hyperParametersJSON: #"{"lr":0.1,"batch":64}"#,
        seed: UInt64.max - 7, status: status, createdAt: createdAt, checkpointPaths: ["ckpt/epoch1.safetensors"],
        notes: "first try, commas, \"quotes\"", epochsPlanned: 30, epochsDone: 1)
}

/// A three-exit evaluation of `runID`.
func sampleEvaluation(runID: Int64) -> EvaluationRecord {
    EvaluationRecord(
        runID: runID, checkpointPath: "ckpt/final.safetensors", split: "test",
        exitFLOPs: [1_500_000, 4_200_000, 9_000_000_000], exitParams: [10_000, 30_000, 90_000],
        exitAccuracy: [0.81, 0.875, 0.9125], createdAt: Date(timeIntervalSince1970: 1_780_000_000.25))
}

/// Deterministic per-sample record with distinct values per exit.
func sampleRecord(index: Int, exits: Int, withImage: Bool = false) -> SampleRecord {
    SampleRecord(
        sampleIndex: index, label: Int32(index % 10),
        maxProb: (0..<exits).map { Float(index % 97) / 100 + Float($0) * 0.001 },
        entropy: (0..<exits).map { Float($0) + Float(index % 8) * 0.125 },
        margin: (0..<exits).map { Float(exits - $0) * 0.01 },
        predicted: (0..<exits).map { Int32((index + $0) % 10) },
        image: withImage
            ? SampleImage(
                channels: 1, height: 4, width: 3, pixels: (0..<12).map { UInt8(truncatingIfNeeded: $0 * 20 + index) })
            : nil)
}

/// Bytes of a file, for "was it modified?" checks.
func fileBytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }
