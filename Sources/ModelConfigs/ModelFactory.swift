import Foundation
import InputFiles

/// Finds model configurations: presets, config files and the reference code's argparse fields. AdaptiveNets extends
/// it with `build`, which turns a configuration into a network.
public enum ModelFactory {
    /// Every preset of both architectures (the names are distinct).
    public static var presets: [String: ModelConfig] {
        var all = RANetConfig.presets.mapValues(ModelConfig.ranet)
        for (name, config) in MSDNetConfig.presets { all[name] = .msdnet(config) }
        return all
    }

    /// Every preset name across architectures.
    public static var presetNames: [String] { presets.keys.sorted() }

    /// Preset names grouped by architecture, for help texts ("RANet: a, b; MSDNet: c, d").
    public static var presetSummary: String {
        "RANet: \(RANetConfig.presets.keys.sorted().joined(separator: ", ")); "
            + "MSDNet: \(MSDNetConfig.presets.keys.sorted().joined(separator: ", "))"
    }

    /// Config files are a few hundred bytes; anything much larger is not one.
    static let maxConfigBytes = 1 << 20

    /// A preset name of either architecture, or a path to a config .json ("arch": "msdnet" for MSDNet; without
    /// "arch", or with "ranet", it is RANet).
    public static func config(named nameOrPath: String) throws -> ModelConfig {
        if let preset = presets[nameOrPath] { return preset }
        guard nameOrPath.hasSuffix(".json") || FileManager.default.fileExists(atPath: nameOrPath) else {
            throw ConfigError.unknownPreset(nameOrPath, available: presetNames)
        }
        let data: Data
        do { data = try InputFile.read(nameOrPath, maximumBytes: maxConfigBytes) } catch {
            throw ConfigError.unreadable(path: nameOrPath, reason: "it \(error.reason)")
        }
        do {
            let config = try JSONDecoder().decode(ModelConfig.self, from: data)
            try config.validate()
            return config
        } catch let error as ConfigError {
            throw ConfigError.unreadable(path: nameOrPath, reason: error.description)
        } catch let DecodingError.keyNotFound(key, _) {
            throw ConfigError.unreadable(path: nameOrPath, reason: "missing key \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ConfigError.unreadable(
                path: nameOrPath, reason: "wrong type for \"\(key)\": \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            // Foundation reports a fraction or an out-of-range number given for an Int field as "not valid JSON".
            throw ConfigError.unreadable(path: nameOrPath, reason: notWholeNumber(in: data) ?? context.debugDescription)
        } catch {
            throw ConfigError.unreadable(
                path: nameOrPath, reason: "not a valid config JSON (\(error.localizedDescription))")
        }
    }

    /// Fields of both architectures that hold whole numbers (or lists of them).
    static let wholeNumberFields: Set<String> = [
        "nChannels", "growthRate", "grFactor", "bnFactor", "scaleList", "nBlocks", "blockStep", "step", "base",
        "classes", "input",
    ]

    /// "\"nChannels\" holds 16.5, expected a whole number" for the first whole-number field of a JSON object with
    /// a fraction or a number outside Int's range; nil when there is none (or the text is not a JSON object).
    static func notWholeNumber(in data: Data) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        for key in object.keys.sorted() where wholeNumberFields.contains(key) {
            let items = (object[key] as? [Any]) ?? [object[key] as Any]
            for case let number as NSNumber in items {
                let value = number.doubleValue
                if value != value.rounded() || abs(value) >= 0x1p63 {
                    return "\"\(key)\" holds \(number), expected a whole number"
                }
            }
        }
        return nil
    }

    /// The reference implementation's argparse fields (as in test-vector metadata) and an input shape [N, C, H, W];
    /// `"arch": "msdnet"` selects MSDNet, anything else RANet.
    public static func config(referenceArgs args: [String: Any], inputNCHW: [Int]) throws -> ModelConfig {
        guard inputNCHW.count == 4 else { throw ConfigError.invalid("input shape \(inputNCHW) is not NCHW") }
        let fields = ReferenceArgs(args)
        let data = (args["data"] as? String ?? "cifar10").lowercased()
        let classes =
            (args["num_classes"] as? NSNumber)?.intValue ?? (data == "cifar100" ? 100 : data == "imagenet" ? 1000 : 10)
        let stem = data.hasPrefix("cifar") || data.contains("mnist") ? "cifar" : "imagenet"
        let input = Array(inputNCHW.dropFirst())
        if (args["arch"] as? String)?.lowercased() == "msdnet" {
            // args.py quirks: stepmode None (or anything but "even") grows linearly (Q7); --bottleneck is type=bool,
            // so only a stored false turns it off (Q2).
            let config = MSDNetConfig(
                nBlocks: try fields.int("nBlocks"),
                stepMode: args["stepmode"] as? String == "even" ? "even" : "linGrow",
                step: try fields.int("step"), base: try fields.int("base"), nChannels: try fields.int("nChannels"),
                growthRate: try fields.int("growthRate"), grFactor: try fields.list("grFactor"),
                bnFactor: try fields.list("bnFactor"), prune: args["prune"] as? String ?? "max",
                reduction: try fields.double("reduction"), bottleneck: (args["bottleneck"] as? Bool) ?? true,
                classes: classes, stem: stem, input: input)
            try config.validate()
            return .msdnet(config)
        }
        return .ranet(
            RANetConfig(
                nChannels: try fields.int("nChannels"), growthRate: try fields.int("growthRate"),
                grFactor: try fields.list("grFactor"), bnFactor: try fields.list("bnFactor"),
                scaleList: try fields.list("scale_list"), nBlocks: try fields.int("nBlocks"),
                blockStep: try fields.int("block_step"), step: try fields.int("step"),
                stepMode: args["stepmode"] as? String ?? "even",
                compressFactor: try fields.double("compress_factor"),
                reduction: try fields.double("reduction"), classes: classes, stem: stem, input: input))
    }
}

/// Typed access to the reference's argparse fields; a missing field is a `ConfigError` naming it.
private struct ReferenceArgs {
    let args: [String: Any]
    init(_ args: [String: Any]) { self.args = args }

    func int(_ k: String) throws -> Int {
        guard let v = args[k] as? NSNumber else { throw ConfigError.invalid("reference args lack \"\(k)\"") }
        return v.intValue
    }

    func double(_ k: String) throws -> Double {
        guard let v = args[k] as? NSNumber else { throw ConfigError.invalid("reference args lack \"\(k)\"") }
        return v.doubleValue
    }

    /// A list given as JSON numbers or as the command line's "1-2-4" string.
    func list(_ k: String) throws -> [Int] {
        if let v = args[k] as? [NSNumber] { return v.map(\.intValue) }
        if let s = args[k] as? String { return s.split(separator: "-").compactMap { Int($0) } }
        throw ConfigError.invalid("reference args lack \"\(k)\"")
    }
}
