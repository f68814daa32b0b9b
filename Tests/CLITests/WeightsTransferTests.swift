import AdaptiveNets
import Foundation
import ModelConfigs
import NeuralEngine
import TestSupport
import Testing

/// `ranet export-weights` / `ranet import-weights`: checkpoint -> PyTorch state_dict -> checkpoint, bit for bit.
@Suite struct WeightsTransferTests {
    static let config = """
        {"nChannels": 4, "growthRate": 4, "grFactor": [4, 2, 1], "bnFactor": [4, 2, 1], "scaleList": [1, 2, 3],
         "nBlocks": 1, "blockStep": 1, "step": 1, "stepMode": "even", "compressFactor": 0.25, "reduction": 0.5,
         "classes": 10, "stem": "cifar", "input": [3, 32, 32]}
        """

    /// A model with seeded weights and non-trivial BatchNorm statistics (so eval logits depend on the buffers).
    static func model(seed: UInt64) throws -> any EarlyExitNetwork {
        let config = try JSONDecoder().decode(ModelConfig.self, from: Data(Self.config.utf8))
        let model = try ModelFactory.build(config, seed: seed)
        for (index, buffer) in model.store.buffers.enumerated() {
            let isVariance = buffer.name.hasSuffix("running_var")
            for i in 0..<buffer.value.count {
                let wave = Float(sin(Double(index * 31 + i) * 0.7))
                buffer.value.data[i] = isVariance ? 1 + 0.5 * wave * wave : 0.1 * wave
            }
        }
        return model
    }

    /// Eval-mode logits of every exit on a fixed input batch.
    static func logits(_ model: any EarlyExitNetwork) throws -> [[Float]] {
        let input = Tensor(
            shape: [2, 3, 32, 32], values: (0..<(2 * 3 * 32 * 32)).map { Float(sin(Double($0) * 0.013)) })
        let graph = Graph(training: false, recordsGradients: false)
        return try model.forward(graph, graph.input(input)).map(\.value.array)
    }

    @Test func checkpointToStateDictAndBackGivesIdenticalLogits() throws {
        let dir = try ImportLogitsTests.temporaryDirectory("weights")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let configPath = "\(dir)/tiny.json"
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: configPath))
        let original = try Self.model(seed: 7)
        // A ranet checkpoint: the state_dict plus SGD momentum buffers and a training position.
        var checkpoint = original.store.stateDict()
        for parameter in original.store.parameters {
            checkpoint.tensors["optimizer.momentum." + parameter.name] = .init(
                shape: parameter.shape, values: parameter.value.array)
            checkpoint.order.append("optimizer.momentum." + parameter.name)
        }
        checkpoint.metadata = ["position": #"{"epoch":3,"batch":0,"globalStep":120}"#]
        try checkpoint.write(to: "\(dir)/run.safetensors")

        let export = try CLI.run([
            "export-weights", "--checkpoint", "\(dir)/run.safetensors", "--config", configPath,
            "--out", "\(dir)/torch.safetensors",
        ])
        #expect(export.status == 0, "\(export.stderr)")
        let exported = try SafeTensorsFile.read("\(dir)/torch.safetensors")
        #expect(exported.order == original.store.namedTensors.map(\.0))
        #expect(exported.metadata["ranet_config"] != nil && exported.metadata["format"] == "pt")

        // What PyTorch hands back under DDP: names prefixed with module., plus BatchNorm counters.
        var fromTorch = SafeTensorsFile(metadata: exported.metadata)
        for name in exported.order {
            fromTorch.tensors["module." + name] = exported.tensors[name]
            fromTorch.order.append("module." + name)
            if name.hasSuffix("running_var") {
                let counter = "module." + name.dropLast("running_var".count) + "num_batches_tracked"
                fromTorch.tensors[counter] = .init(shape: [], values: [120])
                fromTorch.order.append(counter)
            }
        }
        try fromTorch.write(to: "\(dir)/ddp.safetensors")
        let imported = try CLI.run([
            "import-weights", "--weights", "\(dir)/ddp.safetensors", "--out", "\(dir)/back.safetensors",
        ])
        #expect(imported.status == 0 && imported.stdout.contains("prefix module. removed"), "\(imported.stderr)")

        let reloaded = try ModelFactory.build(
            try JSONDecoder().decode(ModelConfig.self, from: Data(Self.config.utf8)),
            initialize: false)
        let back = try SafeTensorsFile.read("\(dir)/back.safetensors")
        try reloaded.store.load(back, path: "\(dir)/back.safetensors")
        let expected = try Self.logits(original)
        #expect(expected.count == original.exitCount && expected.allSatisfy { $0.contains { $0 != 0 } })
        #expect(try Self.logits(reloaded) == expected)
        #expect(try Self.logits(Self.model(seed: 8)) != expected)
    }

    @Test func weightsOfAnotherModelAreRefusedNamingTheTensor() throws {
        let dir = try ImportLogitsTests.temporaryDirectory("weights-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var file = try Self.model(seed: 1).store.stateDict()
        try file.write(to: "\(dir)/tiny.safetensors")
        let wrongModel = try CLI.run([
            "import-weights", "--weights", "\(dir)/tiny.safetensors", "--preset", "fmnist-small",
            "--out", "\(dir)/out.safetensors",
        ])
        #expect(
            wrongModel.status != 0 && wrongModel.stderr.contains("tiny.safetensors: tensor"), "\(wrongModel.stderr)")
        let missing = file.order.removeLast()
        file.tensors[missing] = nil
        try file.write(to: "\(dir)/partial.safetensors")
        let configPath = "\(dir)/tiny.json"
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: configPath))
        let partial = try CLI.run([
            "import-weights", "--weights", "\(dir)/partial.safetensors", "--config", configPath,
            "--out", "\(dir)/out.safetensors",
        ])
        #expect(partial.status != 0 && partial.stderr.contains("tensor \(missing) is missing"), "\(partial.stderr)")
        let noModel = try CLI.run([
            "import-weights", "--weights", "\(dir)/partial.safetensors", "--out", "\(dir)/out.safetensors",
        ])
        #expect(noModel.status != 0 && noModel.stderr.contains("--preset NAME or --config FILE"), "\(noModel.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out.safetensors"))
    }

    /// A state_dict PyTorch itself saved (reference vector set S): imported, its eval logits are PyTorch's; exported
    /// again, every tensor is the original bit for bit.
    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: SharedFixtures.path("vectors/S/weights.safetensors")),
            "needs ../shared/vectors/S"))
    func pytorchStateDictImportsWithPyTorchLogitsAndExportsUnchanged() throws {
        let dir = try ImportLogitsTests.temporaryDirectory("weights-torch")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let torchPath = SharedFixtures.path("vectors/S/weights.safetensors")
        // The model comes from the file's reference args metadata: no --preset needed.
        let imported = try CLI.run(["import-weights", "--weights", torchPath, "--out", "\(dir)/S.safetensors"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let checkpoint = try SafeTensorsFile.read("\(dir)/S.safetensors")
        let config = try JSONDecoder().decode(
            ModelConfig.self, from: Data(try #require(checkpoint.metadata["ranet_config"]).utf8))
        let model = try ModelFactory.build(config, initialize: false)
        try model.store.load(checkpoint, path: "\(dir)/S.safetensors")

        let io = try SafeTensorsFile.read(SharedFixtures.path("vectors/S/io.safetensors"))
        let x = try #require(io["x"])
        let graph = Graph(training: false, recordsGradients: false)
        let logits = try model.forward(graph, graph.input(Tensor(shape: x.shape, values: x.values)))
        for (exit, node) in logits.enumerated() {
            let reference = try #require(io["logits_eval.\(exit)"]).values
            let scale = reference.map(abs).max() ?? 1
            let worst = zip(node.value.array, reference).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-4 * scale, "exit \(exit): max difference \(worst)")
        }

        // The imported checkpoint carries its config: exporting it needs no --config.
        let again = try CLI.run([
            "export-weights", "--checkpoint", "\(dir)/S.safetensors", "--out", "\(dir)/S-torch.safetensors",
        ])
        #expect(again.status == 0, "\(again.stderr)")
        let original = try SafeTensorsFile.read(torchPath)
        let roundTrip = try SafeTensorsFile.read("\(dir)/S-torch.safetensors")
        #expect(Set(roundTrip.order) == Set(original.order))
        #expect(original.order.allSatisfy { original[$0] == roundTrip[$0] })
    }
}
