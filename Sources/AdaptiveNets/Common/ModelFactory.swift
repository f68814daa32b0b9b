import Foundation
import ModelConfigs
import NeuralEngine
import Synchronization

/// Builds either architecture from a configuration (found by `ModelFactory.config(named:)` and friends).
extension ModelFactory {
    /// Builds the network a config describes.
    public static func build(
        _ config: ModelConfig, seed: UInt64 = 0, initialize: Bool = true
    ) throws -> any EarlyExitNetwork {
        switch config {
        case .ranet(let c): return try RANet(config: c, seed: seed, initialize: initialize)
        case .msdnet(let c): return try MSDNet(config: c, seed: seed, initialize: initialize)
        }
    }

    /// Builds a RANet (kept for callers that hold a `RANetConfig`).
    public static func build(
        _ config: RANetConfig, seed: UInt64 = 0, initialize: Bool = true
    ) throws -> any EarlyExitNetwork {
        try RANet(config: config, seed: seed, initialize: initialize)
    }

    /// Per-exit cumulative FLOPs of the model a stored config JSON describes (what `ranet flops` prints), or nil
    /// when the text is not a config ranet can build (another tool's model, imported logits).
    public static func cumulativeFlops(configJSON: String) -> [Int]? {
        guard let config = try? JSONDecoder().decode(ModelConfig.self, from: Data(configJSON.utf8)),
            let network = try? build(config, initialize: false)
        else { return nil }
        return try? network.cost().cumulativeFlops
    }
}

/// `ModelFactory.cumulativeFlops(configJSON:)` remembered per config text: run lists ask for the same few configs
/// on every refresh, and each answer costs a model build and a dry run.
public final class ConfigFlopsCache: Sendable {
    private let lastExit = Mutex<[String: Int64?]>([:])

    public init() {}

    /// The last exit's cumulative FLOPs of the model `configJSON` describes (nil: not a config ranet can build).
    public func lastExitFlops(configJSON: String) -> Int64? {
        if let known = lastExit.withLock({ $0[configJSON] }) { return known }
        let flops = ModelFactory.cumulativeFlops(configJSON: configJSON)?.last.map(Int64.init)
        lastExit.withLock { $0[configJSON] = flops }
        return flops
    }
}
