import Foundation

/// A configuration of either architecture; encodes as one JSON object carrying `"arch"` (a file without it is RANet).
public enum ModelConfig: Codable, Equatable, Sendable {
    case ranet(RANetConfig)
    case msdnet(MSDNetConfig)

    /// "ranet" or "msdnet".
    public var arch: String {
        switch self {
        case .ranet: return "ranet"
        case .msdnet: return "msdnet"
        }
    }

    /// Number of classes of every exit.
    public var classes: Int {
        switch self {
        case .ranet(let c): return c.classes
        case .msdnet(let c): return c.classes
        }
    }

    /// Input (channels, height, width).
    public var input: [Int] {
        switch self {
        case .ranet(let c): return c.input
        case .msdnet(let c): return c.input
        }
    }

    /// Number of exits (classifiers).
    public var exitCount: Int {
        switch self {
        case .ranet(let c): return c.exitCount
        case .msdnet(let c): return c.exitCount
        }
    }

    /// Checks the wrapped config (see `RANetConfig.validate` and `MSDNetConfig.validate`).
    public func validate() throws {
        switch self {
        case .ranet(let c): try c.validate()
        case .msdnet(let c): try c.validate()
        }
    }

    private enum ArchKey: String, CodingKey { case arch }

    /// Reads `"arch"` first: "msdnet" is MSDNet, absent or "ranet" is RANet. The wrapped config's own `arch` is left
    /// nil (the case says it), so a decoded config equals its preset.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: ArchKey.self)
        switch try container.decodeIfPresent(String.self, forKey: .arch)?.lowercased() {
        case nil, "ranet":
            var c = try RANetConfig(from: decoder)
            c.arch = nil
            self = .ranet(c)
        case "msdnet":
            var c = try MSDNetConfig(from: decoder)
            c.arch = nil
            self = .msdnet(c)
        case let other?:
            throw DecodingError.dataCorruptedError(
                forKey: .arch, in: container,
                debugDescription: "unknown arch \"\(other)\" (expected \"ranet\" or \"msdnet\")")
        }
    }

    /// One flat object: the wrapped config's keys plus `"arch"`.
    public func encode(to encoder: Encoder) throws {
        switch self {
        case .ranet(var c):
            c.arch = "ranet"
            try c.encode(to: encoder)
        case .msdnet(var c):
            c.arch = "msdnet"
            try c.encode(to: encoder)
        }
    }
}
