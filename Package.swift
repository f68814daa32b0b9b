// swift-tools-version: 6.1

import Foundation
import PackageDescription

/// The engine's code is compiled for AVX2 and FMA (x86-64-v3, Intel Haswell / AMD Excavator and later) when the
/// building machine has them, as `make run` builds for the machine it runs on: Swift's SIMD types and loops otherwise
/// get SSE2 code, measurably slower for both evaluation and training (figures in docs/performance.md).
/// `RANET_TARGET_CPU=generic swift build ...` makes a binary for any x86-64 (or name another LLVM CPU).
let targetCPU: String? = {
    if let forced = ProcessInfo.processInfo.environment["RANET_TARGET_CPU"], !forced.isEmpty {
        return forced == "generic" ? nil : forced
    }
    #if arch(x86_64) && os(Linux)
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return nil }
        let flags = Set(line.split(separator: " ").map(String.init))
        return flags.contains("avx2") && flags.contains("fma") ? "haswell" : nil
    #else
        return nil
    #endif
}()

// Hot loops in the engine skip overflow/bounds traps in release builds; shapes are checked at the API surface.
let engineFlags: [SwiftSetting] =
    [
        .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
        // Tests exercise real training steps: unoptimised kernels would make them crawl.
        .unsafeFlags(["-O"], .when(configuration: .debug)),
    ]
    + (targetCPU.map {
        [
            .unsafeFlags(["-target-cpu", $0]), .define("RANET_TARGET_CPU_SET"),
            .define("RANET_CPU_" + $0.uppercased().replacingOccurrences(of: "-", with: "_")),
        ]
    } ?? [])

let package = Package(
    name: "ranet",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ranet", targets: ["ranet"]),
        .executable(name: "ranet-tui", targets: ["ranet-tui"]),
        .executable(name: "ranet-bench", targets: ["ranet-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    ],
    targets: [
        // System libraries: module map + shim header, nothing else.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CThreadAffinity", path: "Sources/CThreadAffinity"),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // The seeded generators for every module (data order, augmentation, synthetic data, weight initialisation), so
        // streams never drift.
        .target(name: "SeededRandom"),
        // Reading files handed to ranet: regular files only (a FIFO would block), errors in words.
        .target(name: "InputFiles"),
        .target(
            name: "NeuralEngine", dependencies: ["CBLAS", "CThreadAffinity", "SeededRandom"], swiftSettings: engineFlags
        ),
        // Model configurations, presets and exit layout: plain data, so the dashboard reads them without the engine.
        .target(name: "ModelConfigs", dependencies: ["InputFiles"]),
        .target(
            name: "AdaptiveNets", dependencies: ["InputFiles", "ModelConfigs", "NeuralEngine"],
            swiftSettings: engineFlags),
        .target(
            name: "Datasets", dependencies: ["CPNG", "CTurboJPEG", "CZlib", "InputFiles", "SeededRandom"],
            swiftSettings: engineFlags),
        .target(name: "ExitPolicies", dependencies: ["SeededRandom"]),
        // Reading NumPy .npy arrays (imported logits and labels); no engine, no store.
        .target(name: "NumericArrays", dependencies: ["InputFiles"]),
        // Checking external per-exit outputs (logits or probabilities) before they are stored as a run.
        .target(name: "OutputsImport", dependencies: ["ExitPolicies", "NumericArrays"]),
        .target(
            name: "Training", dependencies: ["NeuralEngine", "AdaptiveNets", "Datasets"], swiftSettings: engineFlags),
        .target(
            name: "AdaptiveInference", dependencies: ["NeuralEngine", "AdaptiveNets", "Datasets", "ExitPolicies"],
            swiftSettings: engineFlags),
        // The plain values of experiments (runs, metrics, evaluations, samples): what the store persists and the
        // dashboard shows, with no I/O, so the dashboard stays pure.
        .target(name: "ExperimentRecords"),
        .target(
            name: "ExperimentStore",
            dependencies: [
                "ExperimentRecords", "InputFiles", "SeededRandom", .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .target(name: "Dashboard", dependencies: ["ExperimentRecords", "ExitPolicies", "SeededRandom"]),
        .target(name: "TerminalUI", dependencies: ["CNcurses", "Dashboard"]),

        .executableTarget(
            name: "ranet",
            dependencies: [
                "NeuralEngine", "AdaptiveNets", "Datasets", "ExitPolicies", "ExperimentRecords", "ExperimentStore",
                "InputFiles", "Training", "AdaptiveInference", "ModelConfigs", "NumericArrays", "OutputsImport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "ranet-tui",
            dependencies: [
                "AdaptiveNets", "Dashboard", "TerminalUI", "ExperimentRecords", "ExperimentStore", "ExitPolicies",
                "InputFiles", "ModelConfigs", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "ranet-bench", dependencies: ["NeuralEngine", "AdaptiveNets", "CBLAS"],
            swiftSettings: engineFlags),

        .target(name: "TestSupport", dependencies: ["NeuralEngine", "SeededRandom"], path: "Tests/TestSupport"),
        .testTarget(name: "NeuralEngineTests", dependencies: ["NeuralEngine", "TestSupport"]),
        .testTarget(
            name: "AdaptiveNetsTests", dependencies: ["AdaptiveNets", "ModelConfigs", "NeuralEngine", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "SeededRandom", "TestSupport"]),
        .testTarget(name: "ExitPoliciesTests", dependencies: ["ExitPolicies", "SeededRandom"]),
        .testTarget(name: "ExperimentRecordsTests", dependencies: ["ExperimentRecords"]),
        .testTarget(name: "NumericArraysTests", dependencies: ["NumericArrays"]),
        .testTarget(name: "OutputsImportTests", dependencies: ["OutputsImport", "NumericArrays", "ExitPolicies"]),
        .testTarget(
            name: "ExperimentStoreTests",
            dependencies: [
                "ExperimentRecords", "ExperimentStore", "SeededRandom", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(
            name: "DashboardTests", dependencies: ["Dashboard", "ExperimentRecords", "ExitPolicies", "SeededRandom"],
            exclude: ["Snapshots"]),
        .testTarget(
            name: "TrainingTests",
            dependencies: ["Training", "AdaptiveNets", "Datasets", "ModelConfigs", "NeuralEngine", "TestSupport"]),
        .testTarget(
            name: "AdaptiveInferenceTests",
            dependencies: [
                "AdaptiveInference", "AdaptiveNets", "ExitPolicies", "Datasets", "ModelConfigs",
                "NeuralEngine", "TestSupport",
            ]),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "TestSupport", "Datasets", "ExperimentStore", "AdaptiveNets", "ModelConfigs",
                "Training", "NeuralEngine",
            ]),
    ]
)

// Fuzz targets (`make fuzz`): built only with RANET_FUZZ=1, in their own build directory with
// `-sanitize=fuzzer,address`; each is an executable whose `LLVMFuzzerTestOneInput` libFuzzer drives.
if ProcessInfo.processInfo.environment["RANET_FUZZ"] == "1" {
    let fuzzTargets: [(String, [Target.Dependency])] = [
        ("safetensors", ["AdaptiveNets"]),
        ("checkpoint", ["AdaptiveNets", "ModelConfigs", "NeuralEngine", "Training"]),
        ("logits", ["AdaptiveNets", "NumericArrays", "OutputsImport"]), ("npy", ["NumericArrays"]),
        ("idx", ["Datasets"]), ("idx-gzip", ["Datasets"]), ("cifar", ["Datasets"]), ("png", ["Datasets"]),
        ("jpeg", ["Datasets"]),
        ("config", ["AdaptiveNets", "ModelConfigs"]), ("theme", ["Dashboard"]), ("store-file", ["ExperimentStore"]),
    ]
    package.targets.append(.target(name: "FuzzDriver", path: "Fuzz/Sources/FuzzDriver"))
    for (name, dependencies) in fuzzTargets {
        package.targets.append(
            .executableTarget(
                name: "fuzz-" + name, dependencies: dependencies + ["FuzzDriver"], path: "Fuzz/Sources/" + name))
    }
}
