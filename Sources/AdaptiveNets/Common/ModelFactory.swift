import ModelConfigs
import NeuralEngine

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

    /// Builds the network (with IMTA's stage-2 heads when the config asks for them).
    public static func build(
        _ network: NetworkConfig, seed: UInt64 = 0, initialize: Bool = true
    ) throws -> any EarlyExitNetwork {
        network.imtaHeads
            ? try IMTANetwork(backbone: network.model, seed: seed, initialize: initialize)
            : try build(network.model, seed: seed, initialize: initialize)
    }

    /// Builds a RANet (kept for callers that hold a `RANetConfig`).
    public static func build(
        _ config: RANetConfig, seed: UInt64 = 0, initialize: Bool = true
    ) throws -> any EarlyExitNetwork {
        try RANet(config: config, seed: seed, initialize: initialize)
    }
}
