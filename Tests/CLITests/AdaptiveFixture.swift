import Datasets
import Foundation
import TestSupport

/// A tiny RANet trained by `ranet train` on a PNG folder of four stripe classes (12x12 grey) and evaluated by
/// `ranet eval`, once per test process: the run, checkpoint and stored records the adaptive-inference commands read.
/// A second run of another config gives a checkpoint that does not fit the first.
struct AdaptiveFixture: @unchecked Sendable {
    let dir: URL
    let store: String
    let dataRoot: String
    let checkpoint: String
    let otherCheckpoint: String
    /// `ranet eval --run 1 --json` output.
    let evalJSON: [String: Any]
    static let classes = ["checker", "diagonal", "horizontal", "vertical"]
    static let testImages = 4 * 6

    nonisolated(unsafe) private static let shared = Result { try AdaptiveFixture() }
    static func get() throws -> AdaptiveFixture { try shared.get() }

    private init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-adaptive-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        fixtureDirectory = dir.path
        atexit { if let path = fixtureDirectory { try? FileManager.default.removeItem(atPath: path) } }
        dataRoot = dir.appendingPathComponent("stripes").path
        store = dir.appendingPathComponent("s.sqlite").path
        var rng = TestRNG(seed: 11)
        for (part, perClass) in [("train", 30), ("test", 6)] {
            for (label, name) in Self.classes.enumerated() {
                let folder = URL(fileURLWithPath: dataRoot).appendingPathComponent(part).appendingPathComponent(name)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for i in 0..<perClass {
                    try Self.writePNG(
                        Self.stripes(label: label, size: 12, rng: &rng), size: 12, channels: 1,
                        to: folder.appendingPathComponent(String(format: "%03d.png", i)).path)
                }
            }
        }
        let tiny =
            #"{"nChannels": 4, "growthRate": 4, "grFactor": [2, 1], "bnFactor": [2, 1], "scaleList": [1, 2], "nBlocks": 1, "blockStep": 2, "step": 1, "stepMode": "even", "compressFactor": 0.25, "reduction": 0.5, "classes": 4, "stem": "cifar", "input": [1, 12, 12]}"#
        let wider = tiny.replacingOccurrences(of: #""nChannels": 4"#, with: #""nChannels": 6"#)
        var checkpoints: [String] = []
        for (name, config, epochs) in [("tiny", tiny, "4"), ("wider", wider, "1")] {
            let path = dir.appendingPathComponent("\(name).json").path
            try Data(config.utf8).write(to: URL(fileURLWithPath: path))
            let train = try CLI.run([
                "train", "--dataset", "folder", "--data-root", dataRoot, "--config", path,
                "--epochs", epochs, "--batch-size", "16", "--lr", "0.05", "--val-size", "24",
                "--seed", "3", "--store", store, "--json",
            ])
            guard train.status == 0 else { throw FixtureError("ranet train (\(name)) failed: \(train.stderr)") }
            checkpoints.append(try Self.checkpoint(run: checkpoints.count + 1, in: dir))
        }
        checkpoint = checkpoints[0]
        otherCheckpoint = checkpoints[1]
        let eval = try CLI.run(["eval", "--run", "1", "--store", store, "--json"])
        guard eval.status == 0,
            let object = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
        else {
            throw FixtureError("ranet eval failed: \(eval.stderr)\(eval.stdout)")
        }
        evalJSON = object
    }

    /// The checkpoint `ranet train` wrote for `run` in `directory`/ranet-checkpoints (named `<store id>-run-N`).
    static func checkpoint(run: Int, in directory: URL) throws -> String {
        let folder = directory.appendingPathComponent("ranet-checkpoints")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        guard let name = names.first(where: { $0.hasSuffix("-run-\(run).safetensors") }) else {
            throw FixtureError("no checkpoint of run \(run) in \(folder.path): \(names)")
        }
        return folder.appendingPathComponent(name).path
    }

    /// A 12x12 stripe pattern of class `label` with noise (0: checker, 1: diagonal, 2: horizontal, 3: vertical).
    static func stripes(label: Int, size: Int, rng: inout TestRNG) -> [UInt8] {
        (0..<(size * size)).map { p in
            let (y, x) = (p / size, p % size)
            let on: Bool
            switch label {
            case 0: on = (x / 2 + y / 2) % 2 == 0
            case 1: on = (x + y) % 4 < 2
            case 2: on = y % 4 < 2
            default: on = x % 4 < 2
            }
            return UInt8(clamping: (on ? 190 : 60) + Int(rng.uniform() * 70))
        }
    }

    /// Writes interleaved 8-bit pixels as a PNG file.
    static func writePNG(_ bytes: [UInt8], size: Int, channels: Int, to path: String) throws {
        let png = try PNGCodec.encode(PNGPixels(width: size, height: size, channels: channels, bytes: bytes))
        try Data(png).write(to: URL(fileURLWithPath: path))
    }

    /// Runs `ranet` with the fixture's store appended.
    func ranet(_ arguments: [String]) throws -> CLI.Result { try CLI.run(arguments + ["--store", store]) }

    /// Runs `ranet ... --json` and parses the one JSON object it prints.
    func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try ranet(arguments + ["--json"])
        guard result.status == 0 else {
            throw FixtureError("ranet \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw FixtureError("not a JSON object: \(result.stdout)")
        }
        return object
    }
}

/// The fixture's directory, removed when the test process exits (atexit takes no context).
nonisolated(unsafe) private var fixtureDirectory: String?

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
