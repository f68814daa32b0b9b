import Foundation
import NeuralEngine

/// Moving a model's parameters and buffers to and from safetensors with the reference state_dict names.
extension ParameterStore {
    /// Every parameter and buffer under its reference name.
    public func stateDict() -> SafeTensorsFile {
        var file = SafeTensorsFile()
        var order: [String] = []
        for (name, t) in namedTensors {
            file.tensors[name] = .init(shape: t.shape, values: t.array)
            order.append(name)
        }
        file.order = order
        return file
    }

    /// Loads tensors by name. Unknown names and wrong shapes are errors; so are missing ones unless `allowMissing`
    /// (num_batches_tracked counters of PyTorch files are ignored).
    public func load(_ file: SafeTensorsFile, path: String, allowMissing: Bool = false, prefix: String = "") throws {
        let mine = Dictionary(uniqueKeysWithValues: namedTensors)
        for name in file.order {
            let key = String(name.dropFirst(name.hasPrefix(prefix) ? prefix.count : 0))
            if key.hasSuffix("num_batches_tracked") { continue }
            guard let target = mine[key] else { throw WeightsError.unknownTensor(file: path, tensor: name) }
            let entry = file.tensors[name]!
            guard entry.shape == target.shape else {
                throw WeightsError.shapeMismatch(file: path, tensor: name, expected: target.shape, found: entry.shape)
            }
        }
        if !allowMissing {
            let present = Set(file.order.map { String($0.dropFirst($0.hasPrefix(prefix) ? prefix.count : 0)) })
            if let missing = namedTensors.first(where: { !present.contains($0.0) }) {
                throw WeightsError.missingTensor(file: path, tensor: prefix + missing.0)
            }
        }
        for name in file.order {
            let key = String(name.dropFirst(name.hasPrefix(prefix) ? prefix.count : 0))
            guard let target = mine[key] else { continue }
            target.copy(from: Tensor(shape: target.shape, values: file.tensors[name]!.values))
        }
    }
}
