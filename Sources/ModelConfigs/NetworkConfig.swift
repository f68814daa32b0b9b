import Foundation

/// What a run trains: a model config and whether IMTA's stage-2 heads sit on it (Li et al., ICCV 2019: new heads with
/// inline subnetwork collaboration over the frozen model, see docs/models.md). Encodes as the config's own JSON
/// object plus `"imta_heads": true` when set, so every reader of plain configs still reads it.
public struct NetworkConfig: Codable, Equatable, Sendable {
    public var model: ModelConfig
    public var imtaHeads: Bool

    public init(_ model: ModelConfig, imtaHeads: Bool = false) {
        self.model = model
        self.imtaHeads = imtaHeads
    }

    private enum Keys: String, CodingKey { case imtaHeads = "imta_heads" }

    public init(from decoder: Decoder) throws {
        model = try ModelConfig(from: decoder)
        imtaHeads = try decoder.container(keyedBy: Keys.self).decodeIfPresent(Bool.self, forKey: .imtaHeads) ?? false
    }

    public func encode(to encoder: Encoder) throws {
        try model.encode(to: encoder)
        if imtaHeads {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(true, forKey: .imtaHeads)
        }
    }

    /// The JSON text a run stores (keys sorted).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
