import ExperimentRecords
import ExperimentStore
import Foundation
import Testing

/// A run trained elsewhere (as the Python logger records it: config, dataset name, no recipe), its weights brought
/// in with `import-weights --run`: `eval`, `infer`, `bench-exit` and `import-logits --run` work on it as on a run
/// `ranet train` made. The weights are those of the adaptive fixture's ranet-trained run, so `eval` must give exactly
/// that run's per-exit accuracies once it is told the same data and normalisation.
@Suite(.serialized) struct LoggedRunTests {
    @Test func loggedRunIsEvaluatedLikeARanetRun() throws {
        let fixture = try AdaptiveFixture.get()
        let dir = try ImportLogitsTests.temporaryDirectory("logged-run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trained = try #require(try ExperimentStore(path: fixture.store).storedRun(id: 1))
        let settings = try #require(
            try JSONSerialization.jsonObject(with: Data(trained.hyperParametersJSON.utf8)) as? [String: Any])
        let normalization = try #require(settings["normalization"] as? [String: [Double]])
        let mean = try #require(normalization["mean"]).map { "\(Float($0))" }.joined(separator: ",")
        let std = try #require(normalization["std"]).map { "\(Float($0))" }.joined(separator: ",")
        let weights = "\(dir)/torch.safetensors"
        let export = try fixture.ranet(["export-weights", "--run", "1", "--out", weights])
        #expect(export.status == 0, "\(export.stderr)")

        // What the logger writes: the model config, the dataset's name, the held-out size and seed; no recipe.
        let store = "\(dir)/logged.sqlite"
        let logged = try ExperimentStore(path: store)
        let runID = try logged.createRun(
            RunRecord(
                name: "from pytorch", architecture: "RANet", configJSON: trained.configJSON, dataset: "folder",
                validationSize: trained.validationSize, hyperParametersJSON: #"{"lr": 0.05}"#, seed: trained.seed,
                status: .finished))
        func ranet(_ arguments: [String]) throws -> CLI.Result { try CLI.run(arguments + ["--store", store]) }

        let listed = try ranet(["runs", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
        let lastFlops = try #require((fixture.evalJSON["exits"] as? [[String: Any]])?.last?["cumulativeFlops"] as? Int)
        #expect(rows?.first?["lastExitFLOPs"] as? Int == lastFlops, "the run list shows the config's FLOPs")

        let noNormalization = try ranet(["eval", "--run", "\(runID)", "--data-root", fixture.dataRoot])
        #expect(
            noNormalization.status != 0 && noNormalization.stderr.contains("records no normalisation")
                && noNormalization.stderr.contains("--mean"), "\(noNormalization.stderr)")
        let imported = try ranet([
            "import-weights", "--run", "\(runID)", "--weights", weights, "--out", "\(dir)/checkpoint.safetensors",
        ])
        #expect(imported.status == 0, "\(imported.stderr)")

        let eval = try ranet([
            "eval", "--run", "\(runID)", "--data-root", fixture.dataRoot, "--mean", mean, "--std", std, "--json",
        ])
        #expect(eval.status == 0, "\(eval.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
        func accuracies(_ o: [String: Any]?) -> [Double] {
            (o?["exits"] as? [[String: Any]] ?? []).map { $0["accuracy"] as? Double ?? -1 }
        }
        #expect(accuracies(object) == accuracies(fixture.evalJSON) && !accuracies(object).isEmpty)
        #expect((object?["budget"] as? [Any])?.count == 39, "val and test splits give the budget curve")
        let source = try #require(try logged.storedRun(id: runID)?.dataSource)
        #expect(source.dataset == "folder" && source.dataRoot == fixture.dataRoot)
        #expect(source.normalization?.mean.map { "\($0)" }.joined(separator: ",") == mean)

        // Stored on first use: later commands need no flags; a contradicting normalisation is refused.
        let infer = try ranet(["infer", "--run", "\(runID)", "--limit", "6", "--json"])
        #expect(infer.status == 0, "\(infer.stderr)")
        let bench = try ranet(["bench-exit", "--run", "\(runID)", "--limit", "8", "--repetitions", "1", "--json"])
        #expect(bench.status == 0, "\(bench.stderr)")
        let contradicting = try ranet(["eval", "--run", "\(runID)", "--mean", "0.5", "--std", "0.25"])
        #expect(
            contradicting.status != 0 && contradicting.stderr.contains("records normalisation"),
            "\(contradicting.stderr)")
        let otherData = try ranet(["eval", "--run", "\(runID)", "--dataset", "cifar10"])
        #expect(otherData.status != 0 && otherData.stderr.contains("was trained on folder"), "\(otherData.stderr)")
    }

    /// `import-logits --run ID` adds evaluations to the run when exits and FLOPs agree, and refuses otherwise.
    @Test func importLogitsIntoAnExistingRun() throws {
        let fixture = try AdaptiveFixture.get()
        let dir = try ImportLogitsTests.temporaryDirectory("logits-into-run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trained = try #require(try ExperimentStore(path: fixture.store).storedRun(id: 1))
        let store = "\(dir)/s.sqlite"
        let runID = try ExperimentStore(path: store).createRun(
            RunRecord(name: "logged", architecture: "RANet", configJSON: trained.configJSON, dataset: "folder"))
        let exits = try #require((fixture.evalJSON["exits"] as? [[String: Any]])?.count)
        let flops = try #require(fixture.evalJSON["exits"] as? [[String: Any]]).map { $0["cumulativeFlops"] as! Int }
        func write(_ name: String, exits: Int) throws -> String {
            let path = "\(dir)/\(name).npy"
            let logits = (0..<(exits * 4 * 4)).map { Float(($0 * 7) % 5) }
            try ImportLogitsTests.writeNPY(path, shape: [exits, 4, 4], floats: logits)
            try ImportLogitsTests.writeNPY("\(dir)/\(name).labels.npy", shape: [4], ints: [0, 1, 2, 3])
            return path
        }
        let good = try write("good", exits: exits)
        let fewer = try write("fewer", exits: exits - 1)
        func importLogits(_ arguments: [String]) throws -> CLI.Result {
            try CLI.run(["import-logits", "--run", "\(runID)", "--store", store] + arguments)
        }
        let wrongExits = try importLogits(["--test", fewer])
        #expect(wrongExits.status != 0 && wrongExits.stderr.contains("has \(exits) exits"), "\(wrongExits.stderr)")
        let wrongFlops = try importLogits([
            "--test", good, "--flops", (1...exits).map(String.init).joined(separator: ","),
        ])
        #expect(
            wrongFlops.status != 0 && wrongFlops.stderr.contains("per-exit cumulative FLOPs"), "\(wrongFlops.stderr)")
        let named = try importLogits(["--test", good, "--run-name", "x"])
        #expect(named.status != 0, "--run and --run-name together are refused")

        let ok = try importLogits(["--val", good, "--test", good, "--json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let opened = try ExperimentStore(path: store)
        #expect(try opened.runs().count == 1)
        let evaluations = try opened.evaluations(runID: runID)
        #expect(evaluations.map(\.split) == ["val", "test"])
        #expect(evaluations.allSatisfy { $0.exitFLOPs == flops.map(Int64.init) })
    }
}
