import AdaptiveNets
import ArgumentParser
import ExitPolicies
import ExperimentStore
import Foundation
import ModelConfigs
import OutputsImport

extension ImportedSplit.Kind: ExpressibleByArgument {}

/// `ranet import-logits`: an external model's per-exit outputs become a finished run the dashboard explores.
struct ImportLogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-logits",
        abstract:
            "Import per-exit logits or softmax outputs of an external model (e.g. trained with PyTorch) as a run.",
        discussion: """
            Each file holds one array [exits, samples, classes] (float32/64/16) of logits or softmax probabilities: \
            a .npy file (labels in <stem>.labels.npy next to it, or --val-labels/--test-labels), or a .safetensors \
            file with a tensor named logits or probabilities and a tensor named labels (python: \
            ranet_store.dump_logits writes both kinds). --flops gives each exit's cumulative FLOPs \
            (multiply-adds, e.g. from `ranet flops PRESET --json`); a safetensors file's "flops" metadata is used \
            when it is omitted.

            The run gets a "val" and a "test" evaluation with per-exit accuracy and per-sample records (max \
            probability, entropy, margin, prediction), and with both splits the budgeted-batch curves of every \
            policy (thresholds from val, applied to test), exactly as `ranet eval` stores them: the anytime, budget \
            and samples views of ranet-tui work on it. Every file is checked before the store is touched; on any \
            error nothing is written.
            """)

    @Option(help: "Name of the new run (without --run).") var runName: String?
    @Option(
        name: .customLong("run"),
        help: ArgumentHelp(
            "Add the evaluations to this run instead of creating one.",
            discussion:
                "E.g. the run the Python logger recorded while training the model. Refused when the outputs' exit count or --flops disagree with the run's model (its config, else its latest evaluation); without --flops the run's FLOPs are used."
        ))
    var runID: Int64?
    @Option(help: "Validation-split outputs (.npy or .safetensors); needed for budget curves.") var val: String?
    @Option(help: "Test-split outputs (.npy or .safetensors).") var test: String
    @Option(help: "Cumulative FLOPs per exit, comma-separated (15814410,31283220,... or 15.8M,31.3M,...).") var flops:
        String?
    @Option(help: "Cumulative parameters per exit, comma-separated (default: 0, unknown).") var params: String?
    @Option(help: "Labels for --val (default: inside the safetensors file, or <stem>.labels.npy).") var valLabels:
        String?
    @Option(help: "Labels for --test (default: inside the safetensors file, or <stem>.labels.npy).") var testLabels:
        String?
    @Option(
        help: "logits, probabilities, or auto (the file's declaration, else probabilities when every row sums to 1).")
    var kind: ImportedSplit.Kind = .auto
    @Option(help: "Architecture shown in the run list.") var arch: String = "external"
    @Option(help: "Dataset name shown in the run list (fashion-mnist, cifar10 and mnist get class names).") var dataset:
        String = "external"
    @Flag(help: "Print one JSON object (run id, evaluation ids, per-exit accuracy) instead of a table.") var json =
        false
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        if runID == nil && runName == nil { throw ValidationError("give --run-name NAME (a new run) or --run ID") }
        if runID != nil && runName != nil {
            throw ValidationError("--run adds to an existing run: --run-name is only for a new run")
        }
    }

    func run() throws {
        var splits: [ImportedSplit] = []
        if let val {
            splits.append(
                try ImportedSplit.load(
                    name: "val", path: val, labelsPath: valLabels, labelsOption: "--val-labels", kind: kind))
        }
        splits.append(
            try ImportedSplit.load(
                name: "test", path: test, labelsPath: testLabels, labelsOption: "--test-labels", kind: kind))
        let exits = splits[0].outputs.exitCount
        // A new run's store is opened only once every file checked out (a bad import must not create a store).
        let existingStore = try runID.map { _ in try storeOptions.openStore() }
        let runFlops = try runID.map { try Self.flops(ofRun: $0, store: existingStore!) } ?? nil
        let flopsText = flops ?? splits.last!.metadata["flops"]
        let cumulativeFlops =
            try flopsText.map { try CountList.parse($0, option: "--flops") } ?? runFlops
            ?? {
                throw CLIError("--flops is required (cumulative FLOPs of each of the \(exits) exits)")
            }()
        if let runID, let runFlops {
            guard runFlops.count == exits else {
                throw CLIError(
                    "run \(runID)'s model has \(runFlops.count) exits but \(splits[0].path) holds \(exits): "
                        + "these outputs are not of that run's model")
            }
            guard runFlops == cumulativeFlops else {
                throw CLIError(
                    "run \(runID)'s model has per-exit cumulative FLOPs \(runFlops) but the import gives "
                        + "\(cumulativeFlops) (from \(flops != nil ? "--flops" : "the file's metadata")): "
                        + "these outputs are not of that run's model")
            }
        }
        let paramsText = params ?? splits.last!.metadata["params"]
        let cumulativeParams =
            try paramsText.map { try CountList.parse($0, option: "--params") } ?? Array(repeating: 0, count: exits)
        let plan = LogitsImport(
            runName: runName ?? "", architecture: arch, dataset: dataset, splits: splits, flops: cumulativeFlops,
            params: cumulativeParams)
        let curves = try plan.budgetCurves()
        let store = try existingStore ?? storeOptions.openStore()
        let (runID, evaluationIDs) = try plan.write(to: store, curves: curves, existing: runID)
        if json {
            printJSON(runID: runID, evaluationIDs: evaluationIDs, splits: splits)
        } else {
            printTable(
                runID: runID, evaluationIDs: evaluationIDs, splits: splits, flops: cumulativeFlops, curves: curves)
        }
    }

    /// The run's per-exit cumulative FLOPs: its model config's, else its latest evaluation's (nil: unknown).
    static func flops(ofRun id: Int64, store: ExperimentStore) throws -> [Int64]? {
        let run = try store.requiredRun(id: id)
        if let flops = ModelFactory.cumulativeFlops(configJSON: run.configJSON) { return flops.map(Int64.init) }
        return try store.evaluations(runID: id).last?.exitFLOPs
    }

    func printJSON(runID: Int64, evaluationIDs: [String: Int64], splits: [ImportedSplit]) {
        let object: [String: Any] = [
            "run": runID, "evaluations": evaluationIDs,
            "splits": splits.map {
                [
                    "split": $0.name, "kind": $0.kind, "samples": $0.outputs.sampleCount,
                    "exitAccuracy": $0.outputs.exitAccuracies,
                ]
            },
        ]
        print(
            String(
                decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(),
                as: UTF8.self))
    }

    func printTable(
        runID: Int64, evaluationIDs: [String: Int64], splits: [ImportedSplit], flops: [Int64],
        curves: [BudgetedBatchCurve]
    ) {
        for split in splits {
            print(
                "\(split.name): \(split.path) (\(split.kind), \(split.outputs.sampleCount) samples, "
                    + "\(split.outputs.classCount) classes) -> evaluation \(evaluationIDs[split.name] ?? 0)")
            print("exit  cum. MFLOPs  accuracy")
            for (exit, accuracy) in split.outputs.exitAccuracies.enumerated() {
                print(String(format: "%4d  %11.3f  %7.2f%%", exit, Double(flops[exit]) / 1e6, accuracy * 100))
            }
        }
        if curves.isEmpty { print("no --val: budget curves need a validation split and were not stored") }
        print(
            "imported \(self.runID == nil ? "as" : "into") run \(runID) (\(curves.count) budget curves); explore it with "
                + "ranet-tui --run \(runID)")
    }
}
