import Foundation
import NeuralEngine

/// Builds either architecture from a config file, a preset name, or the reference code's argparse fields.
public enum ModelFactory {
    /// Every preset name across architectures.
    public static var presetNames: [String] { RANetConfig.presets.keys.sorted() }

    /// A preset name or a path to a config .json (with an optional "arch": "ranet").
    public static func config(named nameOrPath: String) throws -> RANetConfig {
        if let preset = RANetConfig.presets[nameOrPath] { return preset }
        guard nameOrPath.hasSuffix(".json") || FileManager.default.fileExists(atPath: nameOrPath) else {
            throw ConfigError.unknownPreset(nameOrPath, available: presetNames)
        }
        guard let data = FileManager.default.contents(atPath: nameOrPath) else {
            throw ConfigError.unreadable(path: nameOrPath, reason: "file not found or unreadable")
        }
        do {
            let config = try JSONDecoder().decode(RANetConfig.self, from: data)
            try config.validate()
            return config
        } catch let error as ConfigError {
            throw ConfigError.unreadable(path: nameOrPath, reason: error.description)
        } catch let DecodingError.keyNotFound(key, _) {
            throw ConfigError.unreadable(path: nameOrPath, reason: "missing key \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ConfigError.unreadable(path: nameOrPath, reason: "wrong type for \"\(key)\": \(context.debugDescription)")
        } catch {
            throw ConfigError.unreadable(path: nameOrPath, reason: "not a valid config JSON (\(error.localizedDescription))")
        }
    }

    /// Builds the network a config describes.
    public static func build(_ config: RANetConfig, seed: UInt64 = 0, initialize: Bool = true) throws -> any EarlyExitNetwork {
        try RANet(config: config, seed: seed, initialize: initialize)
    }

    /// The reference implementation's argparse fields (as in test-vector metadata) and an input shape [N, C, H, W].
    public static func config(referenceArgs args: [String: Any], inputNCHW: [Int]) throws -> RANetConfig {
        func int(_ k: String) throws -> Int {
            guard let v = args[k] as? NSNumber else { throw ConfigError.invalid("reference args lack \"\(k)\"") }
            return v.intValue
        }
        func double(_ k: String) throws -> Double {
            guard let v = args[k] as? NSNumber else { throw ConfigError.invalid("reference args lack \"\(k)\"") }
            return v.doubleValue
        }
        func list(_ k: String) throws -> [Int] {
            if let v = args[k] as? [NSNumber] { return v.map(\.intValue) }
            if let s = args[k] as? String { return s.split(separator: "-").compactMap { Int($0) } }
            throw ConfigError.invalid("reference args lack \"\(k)\"")
        }
        guard inputNCHW.count == 4 else { throw ConfigError.invalid("input shape \(inputNCHW) is not NCHW") }
        let data = (args["data"] as? String ?? "cifar10").lowercased()
        let classes = (args["num_classes"] as? NSNumber)?.intValue ?? (data == "cifar100" ? 100 : data == "imagenet" ? 1000 : 10)
        return RANetConfig(nChannels: try int("nChannels"), growthRate: try int("growthRate"), grFactor: try list("grFactor"),
                           bnFactor: try list("bnFactor"), scaleList: try list("scale_list"), nBlocks: try int("nBlocks"),
                           blockStep: try int("block_step"), step: try int("step"),
                           stepMode: args["stepmode"] as? String ?? "even", compressFactor: try double("compress_factor"),
                           reduction: try double("reduction"), classes: classes,
                           stem: data.hasPrefix("cifar") || data.contains("mnist") ? "cifar" : "imagenet",
                           input: Array(inputNCHW.dropFirst()))
    }
}
