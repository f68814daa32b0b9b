import AdaptiveNets
import ExperimentStore
import Foundation
import Testing

/// `ranet import-logits` end to end: files written here, the CLI imports them, the store is read back.
@Suite struct ImportLogitsTests {
    /// Writes a version 1.0 .npy file (C order) of little-endian float32 or int64 values.
    static func writeNPY(_ path: String, shape: [Int], floats: [Float]? = nil, ints: [Int64]? = nil) throws {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(floats != nil ? "<f4" : "<i8")', 'fortran_order': False, 'shape': \(dims), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data(
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(Data(header.utf8))
        for value in floats ?? [] { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        for value in ints ?? [] { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Two-class softmax row whose top class is `predicted` with probability `top`.
    static func row(_ top: Double, predicted: Int) -> [Float] {
        predicted == 0 ? [Float(top), Float(1 - top)] : [Float(1 - top), Float(top)]
    }

    /// Validation: 10 samples whose exit-0 max probabilities are 0.99, 0.95, ..., 0.63 (exit 1 is never used for
    /// thresholds). Test: 4 samples, exit-0 max probability 0.9, 0.8, 0.85, 0.6 and right/wrong/wrong/right there;
    /// exit 1 wrong/right/right/right. Probabilities [exit][sample][class], exit-major.
    static let validation: (probabilities: [Float], labels: [Int64]) = {
        let exit0 = (0..<10).flatMap { row(0.99 - 0.04 * Double($0), predicted: 0) }
        let exit1 = (0..<10).flatMap { _ in row(0.7, predicted: 0) }
        return (exit0 + exit1, Array(repeating: 0, count: 10))
    }()

    static let test: (probabilities: [Float], labels: [Int64]) = {
        let labels: [Int64] = [0, 1, 0, 1]
        let exit0 = row(0.9, predicted: 0) + row(0.8, predicted: 0) + row(0.85, predicted: 1) + row(0.6, predicted: 1)
        let exit1 = row(0.8, predicted: 1) + row(0.8, predicted: 1) + row(0.8, predicted: 0) + row(0.8, predicted: 1)
        return (exit0 + exit1, labels)
    }()

    enum Format: String, CaseIterable { case npyLogits, safetensorsProbabilities }

    /// Writes val and test files in `format`; returns their paths.
    static func writeSplits(_ dir: String, format: Format) throws -> (val: String, test: String) {
        var paths: [String] = []
        for (name, split) in [("val", validation), ("test", test)] {
            let samples = split.labels.count
            switch format {
            case .npyLogits:
                let path = "\(dir)/\(name).npy"
                try writeNPY(path, shape: [2, samples, 2], floats: split.probabilities.map { Float(log(Double($0))) })
                try writeNPY("\(dir)/\(name).labels.npy", shape: [samples], ints: split.labels)
                paths.append(path)
            case .safetensorsProbabilities:
                let path = "\(dir)/\(name).safetensors"
                let file = SafeTensorsFile(
                    tensors: [
                        "probabilities": .init(shape: [2, samples, 2], values: split.probabilities),
                        "labels": .init(shape: [samples], values: split.labels.map(Float.init)),
                    ], metadata: ["flops": "100,300"])
                try file.write(to: path)
                paths.append(path)
            }
        }
        return (paths[0], paths[1])
    }

    static func temporaryDirectory(_ tag: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-\(tag)-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test(arguments: Format.allCases)
    func importedRunHasEvaluationsSamplesAndTheHandComputedBudgetCurve(format: Format) throws {
        let dir = try Self.temporaryDirectory("import-logits")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (val, test) = try Self.writeSplits(dir, format: format)
        let store = "\(dir)/s.sqlite"
        // The safetensors files carry their FLOPs in the metadata; the .npy files need --flops.
        let flops = format == .npyLogits ? ["--flops", "100,300"] : []
        let result = try CLI.run(
            [
                "import-logits", "--run-name", "external", "--val", val, "--test", test,
                "--store", store, "--dataset", "cifar10",
            ] + flops)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains(format == .npyLogits ? "(logits, 4 samples" : "(probabilities, 4 samples"),
            "\(result.stdout)")

        let opened = try ExperimentStore(path: store)
        let runs = try opened.runs()
        #expect(runs.map(\.status) == [.finished] && runs.first?.name == "external" && runs.first?.testSize == 4)
        let evaluations = try opened.evaluations(runID: try #require(runs.first?.id))
        #expect(evaluations.map(\.split) == ["val", "test"])
        #expect(evaluations.map(\.exitFLOPs) == [[100, 300], [100, 300]])
        // Test exit 0 is right for samples 0 and 3, exit 1 for samples 1, 2, 3.
        #expect(evaluations[1].exitAccuracy == [0.5, 0.75])
        let testID = try #require(evaluations[1].id)
        #expect(try opened.sampleCount(evaluationID: try #require(evaluations[0].id)) == 10)
        let table = try opened.sampleTable(evaluationID: testID)
        #expect(table.labels == [0, 1, 0, 1] && table.predicted == [0, 0, 1, 1, 1, 1, 0, 1])
        #expect(abs(table.maxProb[2] - 0.85) < 1e-5)

        let curves = try opened.budgetCurves(evaluationID: testID)
        #expect(curves.map(\.policy) == ["entropy", "margin", "maxprob"])
        let maxprob = try #require(curves.last)
        #expect(maxprob.points.count == 39)
        // p = 0.05: floor(10 * 0.05 / (0.05 + 0.0025)) = 9 validation samples exit first -> T0 = 0.67 (the 9th
        // largest); test samples 0, 1, 2 exit at 0 (right, wrong, wrong), sample 3 at exit 1 (right):
        // accuracy 2/4, FLOPs (3 * 100 + 300) / 4.
        // p = 1: floor(10 / 2) = 5 -> T0 = 0.83; samples 0, 2 exit at 0 (right, wrong), 1, 3 at exit 1 (right,
        // right): 3/4, (2 * 100 + 2 * 300) / 4. p = 1.95: floor(10 / 2.95) = 3 -> T0 = 0.91; nobody exits at 0.
        let expected: [(index: Int, p: Double, threshold: Float, accuracy: Double, flops: Double)] = [
            (0, 0.05, 0.67, 0.5, 150), (19, 1.0, 0.83, 0.75, 200), (38, 1.95, 0.91, 0.75, 300),
        ]
        for point in expected {
            let stored = maxprob.points[point.index]
            #expect(abs(stored.parameter - point.p) < 1e-12)
            #expect(abs(stored.thresholds[0] - point.threshold) < 1e-5, "p \(point.p): \(stored.thresholds)")
            #expect(stored.accuracy == point.accuracy && stored.expectedFLOPs == point.flops, "p \(point.p)")
        }

        let csv = try CLI.run(["export", "--run", "1", "--what", "curves", "--store", store])
        let lines = csv.stdout.split(separator: "\n")
        #expect(
            lines.first
                == "evaluation_id,split,policy,point,parameter,expected_flops,accuracy,threshold_exit1,threshold_exit2")
        #expect(lines.count == 1 + 3 * 39)
        #expect(lines.contains { $0.hasPrefix("\(testID),test,maxprob,19,1.0,200.0,0.75,0.83") }, "\(lines.prefix(3))")
        let json = try CLI.run(["export", "--run", "1", "--what", "curves", "--format", "json", "--store", store])
        let exported = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(exported?.map { ($0["budgetCurves"] as? [Any])?.count } == [0, 3], "\(json.stderr)")

        // An imported run has outputs but no model: eval says so instead of failing to decode its settings.
        let eval = try CLI.run(["eval", "--run", "1", "--store", store])
        #expect(
            eval.status != 0 && eval.stderr.contains("run 1: its stored config is not a ranet model config"),
            "\(eval.stderr)")
    }

    /// Every bad input fails with a message naming the problem, and the store is left exactly as it was.
    @Test func badInputsAreRefusedAndNothingIsWritten() throws {
        let dir = try Self.temporaryDirectory("import-logits-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (val, test) = try Self.writeSplits(dir, format: .npyLogits)
        let fresh = "\(dir)/never.sqlite"
        let store = "\(dir)/s.sqlite"
        let ok = try CLI.run([
            "import-logits", "--run-name", "good", "--val", val, "--test", test, "--flops", "100,300", "--store", store,
        ])
        #expect(ok.status == 0, "\(ok.stderr)")

        try Self.writeNPY("\(dir)/three.npy", shape: [3], ints: [0, 1, 0])
        var nan = Self.test.probabilities.map { Float(log(Double($0))) }
        nan[5] = .nan
        try Self.writeNPY("\(dir)/nan.npy", shape: [2, 4, 2], floats: nan)
        try Self.writeNPY("\(dir)/nan.labels.npy", shape: [4], ints: Self.test.labels)
        let full = try Data(contentsOf: URL(fileURLWithPath: test))
        try full.prefix(full.count - 6).write(to: URL(fileURLWithPath: "\(dir)/cut.npy"))
        try Self.writeNPY("\(dir)/cut.labels.npy", shape: [4], ints: Self.test.labels)
        try Self.writeNPY("\(dir)/wide.npy", shape: [2, 4, 3], floats: Array(repeating: 0.5, count: 24))
        try Self.writeNPY("\(dir)/wide.labels.npy", shape: [4], ints: Self.test.labels)
        try Self.writeNPY("\(dir)/nolabels.npy", shape: [2, 4, 2], floats: Array(repeating: 0.5, count: 16))
        try Self.writeNPY("\(dir)/flat.npy", shape: [8, 2], floats: Array(repeating: 0.5, count: 16))
        try Self.writeNPY("\(dir)/flat.labels.npy", shape: [8], ints: Array(repeating: 0, count: 8))
        try Self.writeNPY("\(dir)/big.labels.npy", shape: [4], ints: [0, 1, 5, 1])

        let cases: [(arguments: [String], message: String)] = [
            (["--test", test, "--test-labels", "\(dir)/three.npy", "--flops", "100,300"], "labels have shape [3]"),
            (["--val", val, "--test", test, "--flops", "100,200,300"], "has 2 exits but --flops gives 3 values"),
            (["--test", test, "--flops", "300,100"], "must be cumulative"),
            (["--test", "\(dir)/nan.npy", "--flops", "100,300"], "is nan (NaN or infinite)"),
            (
                ["--test", "\(dir)/cut.npy", "--flops", "100,300"],
                "truncated: 58 data bytes, shape [2, 4, 2] of '<f4' needs 64"
            ),
            (["--val", val, "--test", "\(dir)/wide.npy", "--flops", "100,300"], "has 2 exits and 3 classes"),
            (["--test", "\(dir)/nolabels.npy", "--flops", "100,300"], "nolabels.labels.npy"),
            (["--test", "\(dir)/flat.npy", "--flops", "100,300"], "shape [8, 2]; expected [exits, samples, classes]"),
            (
                ["--test", test, "--test-labels", "\(dir)/big.labels.npy", "--flops", "100,300"],
                "label of sample 2 is 5.0"
            ),
            (["--test", test, "--flops", "100,lots"], "'lots' is not a count"),
            (["--test", test], "--flops is required"),
        ]
        for (arguments, message) in cases {
            for target in [store, fresh] {
                let result = try CLI.run(["import-logits", "--run-name", "bad"] + arguments + ["--store", target])
                #expect(result.status != 0 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: fresh))
        let opened = try ExperimentStore(path: store)
        #expect(try opened.runs().map(\.name) == ["good"])
        #expect(try opened.evaluations(runID: 1).count == 2)
    }

    /// .npy variants numpy writes: format 2.0 headers, float64 data, int32 labels; Fortran order and big-endian
    /// data are refused with a way out.
    @Test func npyVariantsAreReadOrRefusedClearly() throws {
        let dir = try Self.temporaryDirectory("import-npy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func write(_ name: String, descr: String, shape: String, fortran: Bool = false, payload: Data) throws {
            var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
            header += String(repeating: " ", count: (64 - (12 + header.utf8.count + 1) % 64) % 64) + "\n"
            var data = Data([0x93] + Array("NUMPY".utf8) + [2, 0])
            withUnsafeBytes(of: UInt32(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
            data.append(Data(header.utf8))
            data.append(payload)
            try data.write(to: URL(fileURLWithPath: "\(dir)/\(name)"))
        }
        var doubles = Data()
        var labels = Data()
        for value in Self.test.probabilities {
            withUnsafeBytes(of: Double(value).bitPattern.littleEndian) { doubles.append(contentsOf: $0) }
        }
        for label in Self.test.labels {
            withUnsafeBytes(of: Int32(label).littleEndian) { labels.append(contentsOf: $0) }
        }
        try write("test.npy", descr: "<f8", shape: "(2, 4, 2)", payload: doubles)
        try write("test.labels.npy", descr: "<i4", shape: "(4,)", payload: labels)
        try write("fortran.npy", descr: "<f8", shape: "(2, 4, 2)", fortran: true, payload: doubles)
        try write("big.npy", descr: ">f8", shape: "(2, 4, 2)", payload: doubles)

        let store = "\(dir)/s.sqlite"
        let ok = try CLI.run([
            "import-logits", "--run-name", "f64", "--test", "\(dir)/test.npy", "--flops", "0.1K,0.3K",
            "--json", "--store", store,
        ])
        #expect(ok.status == 0, "\(ok.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any]
        let splits = object?["splits"] as? [[String: Any]]
        #expect(object?["run"] as? Int == 1 && splits?.count == 1)
        #expect(
            splits?.first?["kind"] as? String == "probabilities"
                && splits?.first?["exitAccuracy"] as? [Double] == [0.5, 0.75])
        let evaluation = try #require(try ExperimentStore(path: store).evaluations(runID: 1).first)
        #expect(evaluation.exitFLOPs == [100, 300] && evaluation.split == "test")
        // Without a validation split there are no thresholds to carry over: no budget curves.
        #expect(try ExperimentStore(path: store).budgetCurves(evaluationID: try #require(evaluation.id)).isEmpty)

        for (name, message) in [("fortran.npy", "Fortran order"), ("big.npy", "'>f8' is not supported")] {
            let bad = try CLI.run([
                "import-logits", "--run-name", "x", "--test", "\(dir)/\(name)", "--test-labels",
                "\(dir)/test.labels.npy", "--flops", "100,300", "--store", store,
            ])
            #expect(bad.status != 0 && bad.stderr.contains(message), "\(bad.stderr)")
        }
        #expect(try ExperimentStore(path: store).runs().count == 1)
    }
}
