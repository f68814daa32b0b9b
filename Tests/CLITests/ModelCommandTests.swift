import Foundation
import TestSupport
import Testing

/// `ranet flops` and `ranet verify-vectors` through the real executable.
@Suite struct ModelCommandTests {
    @Test func flopsJSONEqualsGoldenForEveryConfig() throws {
        let url = URL(fileURLWithPath: SharedFixtures.path("golden/ranet_configs.json"))
        let golden = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-cli-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for entry in golden["configs"] as! [[String: Any]] {
            let name = entry["name"] as! String
            let configPath = dir.appendingPathComponent("\(name).json")
            try JSONSerialization.data(withJSONObject: entry["config"]!).write(to: configPath)
            let result = try CLI.run(["flops", configPath.path, "--json"])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            let mine = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
            for key in ["exits", "exitSubnetwork", "cumulativeFlops", "cumulativeParams", "classifierInput"] {
                #expect(
                    NSDictionary(dictionary: [key: mine[key] ?? NSNull()]).isEqual(to: [key: entry[key] ?? NSNull()]),
                    "\(name).\(key)")
            }
        }
    }

    @Test func verifyVectorsPassesOnSetS() throws {
        let result = try CLI.run(["verify-vectors", SharedFixtures.path("vectors/S")])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.components(separatedBy: "PASS").count - 1 == 7)
        #expect(!result.stdout.contains("FAIL"))
    }

    @Test func badVectorDirectoriesGiveOneLineErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-badvec-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try CLI.run(["verify-vectors", dir.path])
        #expect(
            missing.status != 0 && missing.stderr.contains("weights.safetensors")
                && missing.stderr.contains("not found"))

        let weights = try Data(contentsOf: URL(fileURLWithPath: SharedFixtures.path("vectors/S/weights.safetensors")))
        try weights.prefix(weights.count / 2).write(to: dir.appendingPathComponent("weights.safetensors"))
        try Data(contentsOf: URL(fileURLWithPath: SharedFixtures.path("vectors/S/io.safetensors")))
            .write(to: dir.appendingPathComponent("io.safetensors"))
        let truncated = try CLI.run(["verify-vectors", dir.path])
        #expect(
            truncated.status != 0 && truncated.stderr.contains("weights.safetensors")
                && truncated.stderr.contains("tensor"))
        #expect(truncated.stderr.split(separator: "\n").count == 1, "\(truncated.stderr)")

        let unknown = try CLI.run(["flops", "no-such-preset"])
        #expect(unknown.status != 0 && unknown.stderr.contains("fmnist-small"))
    }

    @Test func flopsJSONEqualsMSDNetGoldenForEveryConfig() throws {
        let url = URL(fileURLWithPath: SharedFixtures.path("golden/msdnet_configs.json"))
        let golden = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-cli-msd-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for entry in golden["configs"] as! [[String: Any]] {
            let name = entry["name"] as! String
            var config = entry["config"] as! [String: Any]
            config["arch"] = "msdnet"
            let configPath = dir.appendingPathComponent("\(name).json")
            try JSONSerialization.data(withJSONObject: config).write(to: configPath)
            let result = try CLI.run(["flops", configPath.path, "--json"])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            let mine = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
            var expected = entry
            for key in ["name", "description", "config"] { expected.removeValue(forKey: key) }
            #expect(NSDictionary(dictionary: mine).isEqual(to: expected), "\(name)")
        }
    }

    @Test func verifyVectorsPassesOnSetMS() throws {
        let result = try CLI.run(["verify-vectors", SharedFixtures.path("vectors/MS")])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.components(separatedBy: "PASS").count - 1 == 7)
        #expect(!result.stdout.contains("FAIL"))
    }
}
