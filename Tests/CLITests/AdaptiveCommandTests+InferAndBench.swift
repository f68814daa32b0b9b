import Foundation
import TestSupport
import Testing

/// `ranet infer` and `bench-exit` end to end, and the checks of the model and data they are given.
extension AdaptiveCommandTests {
    @Test func inferOnTheTestSplitAgreesWithTheStoredSimulation() throws {
        let fixture = try AdaptiveFixture.get()
        let exits = try #require(fixture.evalJSON["exits"] as? [[String: Any]])
        let flops = exits.compactMap { $0["cumulativeFlops"] as? Int }.map(Double.init)
        let infer = try fixture.json([
            "infer", "--checkpoint", fixture.checkpoint, "--threshold", "0.6", "--batch-size", "5",
        ])
        let images = try #require(infer["images"] as? [[String: Any]])
        #expect(images.count == AdaptiveFixture.testImages)
        var counts = [0, 0, 0]
        for image in images {
            let exit = try #require(image["exit"] as? Int)
            counts[exit] += 1
            #expect(image["subnetwork"] as? Int == [0, 1, 1][exit])
            #expect(numbers(image["resolution"]) == (exit == 0 ? [6, 6] : [12, 12]))
            #expect(AdaptiveFixture.classes.contains(image["className"] as? String ?? ""))
            #expect((0...1).contains(image["confidence"] as? Double ?? -1))
        }
        let sweep = try fixture.json(["sweep", "--run", "1", "--threshold", "0.6"])
        #expect(numbers(sweep["exitShare"]).map { Int(($0 * Double(images.count)).rounded()) } == counts)
        #expect(abs((infer["accuracy"] as? Double ?? -1) - (sweep["accuracy"] as? Double ?? -2)) < 1e-9)
        // Stage 1 holds exits 1 and 2: a sample leaving at exit 1 paid for all of it.
        let spent = (Double(counts[0]) * flops[0] + Double(counts[1] + counts[2]) * flops[2]) / Double(images.count)
        #expect(abs((infer["averageFlops"] as? Double ?? 0) - spent) < 1e-6 * flops[2])
        #expect((infer["imagesPerSecond"] as? Double ?? 0) > 0)

        let text = try fixture.ranet(["infer", "--run", "1", "--budget", String(flops[1] / 1e6), "--limit", "3"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(
            text.stdout.contains("images/s") && text.stdout.contains("MFLOPs spent")
                && text.stdout.contains("sub-network"))
        #expect(text.stderr.contains("validation"), "\(text.stderr)")
    }

    @Test func inferOnPNGFilesConvertsChannelsAndRefusesOtherSizes() throws {
        let fixture = try AdaptiveFixture.get()
        var rng = TestRNG(seed: 5)
        let grey = fixture.dir.appendingPathComponent("grey.png").path
        try AdaptiveFixture.writePNG(
            AdaptiveFixture.stripes(label: 2, size: 12, rng: &rng), size: 12, channels: 1, to: grey)
        let rgb = fixture.dir.appendingPathComponent("rgb.png").path
        let plane = AdaptiveFixture.stripes(label: 3, size: 12, rng: &rng)
        try AdaptiveFixture.writePNG(plane.flatMap { [$0, $0, $0] }, size: 12, channels: 3, to: rgb)
        let result = try fixture.ranet(["infer", "--run", "1", "--threshold", "0.5", "--image", grey, rgb, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("1 image(s) converted") && result.stderr.contains("luma"), "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let images = try #require(object["images"] as? [[String: Any]])
        #expect(images.map { $0["image"] as? String } == [grey, rgb])
        #expect(object["accuracy"] == nil)

        // An RGB image whose three channels are equal becomes exactly the grey image (luma of (v, v, v) is v).
        let greyTwin = fixture.dir.appendingPathComponent("grey-twin.png").path
        try AdaptiveFixture.writePNG(plane, size: 12, channels: 1, to: greyTwin)
        let twin = try fixture.json(["infer", "--run", "1", "--threshold", "0.5", "--image", greyTwin])
        let twinImage = try #require((twin["images"] as? [[String: Any]])?.first)
        #expect(
            twinImage["class"] as? Int == images[1]["class"] as? Int
                && twinImage["exit"] as? Int == images[1]["exit"] as? Int)
        // Batch 1 against batch 2: BLAS may sum in another order, so the last bits can differ.
        #expect(abs((twinImage["confidence"] as? Double ?? 0) - (images[1]["confidence"] as? Double ?? 1)) < 1e-5)

        let big = fixture.dir.appendingPathComponent("big.png").path
        try AdaptiveFixture.writePNG([UInt8](repeating: 100, count: 16 * 16), size: 16, channels: 1, to: big)
        let refused = try fixture.ranet(["infer", "--run", "1", "--image", grey, big])
        #expect(refused.status != 0)
        #expect(
            refused.stderr.contains(big) && refused.stderr.contains("16x16") && refused.stderr.contains("12x12")
                && refused.stderr.contains("not resized"), "\(refused.stderr)")
        let notPNG = fixture.dir.appendingPathComponent("not.png").path
        try Data("hello".utf8).write(to: URL(fileURLWithPath: notPNG))
        let unreadable = try fixture.ranet(["infer", "--run", "1", "--image", notPNG])
        #expect(unreadable.status != 0 && unreadable.stderr.contains(notPNG), "\(unreadable.stderr)")
    }

    @Test func benchExitReportsBothModesAndAgrees() throws {
        let fixture = try AdaptiveFixture.get()
        let flops = try #require(fixture.evalJSON["exits"] as? [[String: Any]]).compactMap {
            $0["cumulativeFlops"] as? Int
        }
        for batch in ["8", "1"] {
            let bench = try fixture.json([
                "bench-exit", "--checkpoint", fixture.checkpoint, "--batch-size", batch,
                "--repetitions", "1",
            ])
            #expect(bench["batchSize"] as? Int == Int(batch))
            #expect(bench["agreesWithSimulation"] as? Bool == true, "\(bench)")
            let ratio = bench["flopsRatio"] as? Double ?? -1
            #expect(ratio >= Double(flops[0]) / Double(flops[2]) - 1e-12 && ratio <= 1)
            for key in ["timeRatio", "allExitsImagesPerSecond", "earlyExitImagesPerSecond"] {
                #expect((bench[key] as? Double ?? 0) > 0, "\(key)")
            }
            // The default budget is half the last exit's FLOPs.
            #expect(bench["budget"] as? Double == max(Double(flops[0]), Double(flops[2]) / 2))
            #expect(bench["blasCore"] is String)
        }
        let text = try fixture.ranet([
            "bench-exit", "--run", "1", "--threshold", "0.7", "--repetitions", "1", "--split", "val",
        ])
        #expect(
            text.status == 0 && text.stdout.contains("time ratio") && text.stdout.contains("agrees"), "\(text.stderr)")
    }

    @Test func modelSelectionRefusesMismatchedCheckpoints() throws {
        let fixture = try AdaptiveFixture.get()
        let wrongConfig = try fixture.ranet(["infer", "--run", "1", "--checkpoint", fixture.otherCheckpoint])
        #expect(wrongConfig.status != 0 && wrongConfig.stderr.contains("does not fit run 1"), "\(wrongConfig.stderr)")
        let wrongEval = try fixture.ranet(["eval", "--run", "1", "--checkpoint", fixture.otherCheckpoint])
        #expect(wrongEval.status != 0 && wrongEval.stderr.contains("does not fit run 1"), "\(wrongEval.stderr)")

        // The run's own tensors, but metadata saying they were trained for another cost table: refused.
        let relabelled = fixture.dir.appendingPathComponent("relabelled.safetensors").path
        try Self.rewriteMetadata(of: fixture.checkpoint, to: relabelled) { $0["cumulative_flops"] = "1,2,3" }
        let wrongMetadata = try fixture.ranet(["bench-exit", "--checkpoint", relabelled])
        #expect(
            wrongMetadata.status != 0 && wrongMetadata.stderr.contains("does not match the run"),
            "\(wrongMetadata.stderr)")

        let anonymousHeader = "{}"
        var anonymous = withUnsafeBytes(of: UInt64(2).littleEndian) { Data($0) }
        anonymous.append(Data(anonymousHeader.utf8))
        let unnamed = fixture.dir.appendingPathComponent("unnamed.safetensors").path
        try anonymous.write(to: URL(fileURLWithPath: unnamed))
        let noRun = try fixture.ranet(["infer", "--checkpoint", unnamed])
        #expect(
            noRun.status != 0 && noRun.stderr.contains("does not name the run") && noRun.stderr.contains("--run"),
            "\(noRun.stderr)")

        let missing = try fixture.ranet([
            "bench-exit", "--checkpoint", fixture.dir.appendingPathComponent("nope.safetensors").path,
        ])
        #expect(
            missing.status != 0 && missing.stderr.contains("nope.safetensors") && missing.stderr.contains("not found"))
        let neither = try fixture.ranet(["infer"])
        #expect(
            neither.status != 0 && neither.stderr.contains("--run ID") && neither.stderr.contains("--checkpoint PATH"))
    }

    @Test func datasetsOfAnotherSizeAreRefused() throws {
        let fixture = try AdaptiveFixture.get()
        let cifar = fixture.dir.appendingPathComponent("cifar")
        try FileManager.default.createDirectory(at: cifar, withIntermediateDirectories: true)
        // Four 32x32 RGB records (label byte + 3072 pixels) in the CIFAR-10 binary layout.
        let record = [UInt8](repeating: 0, count: 1) + [UInt8](repeating: 128, count: 3072)
        try Data((0..<4).flatMap { _ in record }).write(to: cifar.appendingPathComponent("test_batch.bin"))
        let result = try fixture.ranet(["infer", "--run", "1", "--dataset", "cifar10", "--data-root", cifar.path])
        #expect(
            result.status != 0 && result.stderr.contains("32x32") && result.stderr.contains("12x12"), "\(result.stderr)"
        )
    }

    /// Copies a safetensors file with its `__metadata__` changed by `edit`.
    static func rewriteMetadata(
        of source: String, to destination: String, _ edit: (inout [String: String]) -> Void
    ) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        let length = Int(
            data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        var header = try #require(
            try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
        var metadata = header["__metadata__"] as? [String: String] ?? [:]
        edit(&metadata)
        header["__metadata__"] = metadata
        var json = try JSONSerialization.data(withJSONObject: header)
        while json.count % 8 != 0 { json.append(0x20) }
        var output = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Data($0) }
        output.append(json)
        output.append(data.subdata(in: (8 + length)..<data.count))
        try output.write(to: URL(fileURLWithPath: destination))
    }
}

extension AdaptiveCommandTests {
    /// The deadline and stream modes report every image with the columns all infer modes share (name, exit, class,
    /// confidence, label on a split) beside their own (latency and lateness; FLOPs spent).
    @Test func deadlineAndStreamModesReportEveryImage() throws {
        let fixture = try AdaptiveFixture.get()
        let exits = try #require(fixture.evalJSON["exits"] as? [[String: Any]])
        let flops = exits.compactMap { $0["cumulativeFlops"] as? Int }.map(Double.init)
        let shared: Set<String> = ["image", "exit", "class", "className", "confidence", "label"]
        let deadline = try fixture.json(["infer", "--run", "1", "--deadline-ms", "10000", "--limit", "6"])
        let deadlineImages = try #require(deadline["images"] as? [[String: Any]])
        #expect(deadlineImages.count == 6)
        for image in deadlineImages {
            #expect(Set(image.keys) == shared.union(["latencyMs", "missed"]), "\(image.keys)")
            #expect(image["exit"] as? Int == flops.count - 1 && image["missed"] as? Bool == false)
        }
        let budget = (flops[0] + flops[flops.count - 1]) / 2 / 1e6
        let stream = try fixture.json(["infer", "--run", "1", "--stream", "--budget", "\(budget)", "--limit", "12"])
        let streamImages = try #require(stream["images"] as? [[String: Any]])
        #expect(streamImages.count == 12)
        for image in streamImages {
            #expect(Set(image.keys) == shared.union(["flops"]), "\(image.keys)")
            let exit = try #require(image["exit"] as? Int)
            #expect(image["flops"] as? Double == flops[exit])
        }
        let table = try fixture.ranet(["infer", "--run", "1", "--deadline-ms", "10000", "--limit", "2"])
        let lines = table.stdout.split(separator: "\n")
        #expect(
            table.status == 0
                && lines.first?.hasPrefix("image  exit  class               confidence  latency ms") == true)
        #expect(lines.count == 4, "\(table.stdout)")
    }
}
