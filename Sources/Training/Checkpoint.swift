import AdaptiveNets
import Foundation
import NeuralEngine

/// A training checkpoint: the model's tensors under their reference names, the optimizer's momentum buffers under
/// `optimizer.momentum.<name>`, and the training position and recipe in the metadata. Written atomically.
public enum Checkpoint {
    static let momentumPrefix = "optimizer.momentum."

    public static func write(
        model: any EarlyExitNetwork, optimizer: SGD, position: TrainingPosition,
        metadata extra: [String: String], to path: String
    ) throws {
        var file = model.store.stateDict()
        for (name, buffer) in optimizer.buffers.sorted(by: { $0.key < $1.key }) {
            file.tensors[momentumPrefix + name] = .init(shape: buffer.shape, values: buffer.array)
            file.order.append(momentumPrefix + name)
        }
        var meta = extra
        meta["position"] = try metadataJSON(position)
        meta["learning_rate"] = "\(optimizer.learningRate)"
        file.metadata = meta
        try file.write(to: path)
    }

    /// `value` as JSON text for a metadata entry, keys sorted: JSONEncoder's default key order follows Swift's
    /// per-process hash seed, and a checkpoint written twice from the same state must be the same bytes.
    public static func metadataJSON(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Loads weights (and momentum buffers when `optimizer` is given); returns the position and the metadata.
    @discardableResult
    public static func load(
        _ path: String, into model: any EarlyExitNetwork, optimizer: SGD? = nil
    ) throws
        -> (position: TrainingPosition, metadata: [String: String])
    {
        let (file, momentum) = try readSplittingMomentum(path)
        try model.store.load(file, path: path)
        if let optimizer {
            let shapes = Dictionary(uniqueKeysWithValues: model.store.parameters.map { ($0.name, $0.shape) })
            for (name, entry) in momentum {
                guard let shape = shapes[name], shape == entry.shape else {
                    throw TrainingError.checkpoint(path: path, "momentum buffer \(name) does not match the model")
                }
                optimizer.setBuffer(name, Tensor(shape: entry.shape, values: entry.values))
            }
        }
        let position = file.metadata["position"].flatMap {
            try? JSONDecoder().decode(TrainingPosition.self, from: Data($0.utf8))
        }
        return (position ?? TrainingPosition(), file.metadata)
    }

    /// Loads a stage-1 run's checkpoint into an IMTA network's backbone (its optimizer state is not wanted there).
    public static func loadBackbone(_ path: String, into model: IMTANetwork) throws {
        try model.loadBackbone(try readSplittingMomentum(path).file, path: path)
    }

    /// The model's tensors and, apart, the momentum buffers by parameter name.
    private static func readSplittingMomentum(
        _ path: String
    ) throws -> (
        file: SafeTensorsFile, momentum: [String: SafeTensorsFile.Entry]
    ) {
        var file = try SafeTensorsFile.read(path)
        var momentum: [String: SafeTensorsFile.Entry] = [:]
        for name in file.order where name.hasPrefix(momentumPrefix) {
            momentum[String(name.dropFirst(momentumPrefix.count))] = file.tensors[name]
            file.tensors[name] = nil
        }
        file.order.removeAll { $0.hasPrefix(momentumPrefix) }
        return (file, momentum)
    }
}
