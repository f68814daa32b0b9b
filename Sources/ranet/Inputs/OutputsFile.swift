import AdaptiveNets
import Foundation
import NumericArrays

/// Opening a per-exit outputs file (.npy or .safetensors) and its labels.
enum OutputsFile {
    /// The outputs array and, for safetensors, the labels and metadata stored beside it.
    struct Contents {
        var outputs: NumericArray
        var labels: NumericArray?
        /// "logits" or "probabilities" when the file says so (tensor name or `kind` metadata).
        var declaredKind: String?
        var metadata: [String: String]
    }

    static let outputNames = ["logits", "probabilities", "probs", "outputs"]

    static func read(_ path: String) throws -> Contents {
        if path.hasSuffix(".npy") {
            return Contents(outputs: try NPYFile.read(path), labels: nil, declaredKind: nil, metadata: [:])
        }
        guard path.hasSuffix(".safetensors") else { throw CLIError("\(path): expected a .npy or .safetensors file") }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile.read(path) } catch let error as WeightsError { throw CLIError("\(error)") }
        let names = outputNames.filter { file[$0] != nil }
        guard names.count == 1, let name = names.first, let entry = file[name] else {
            throw CLIError(
                "\(path): expected exactly one tensor named \(outputNames.joined(separator: ", ")) "
                    + "(found: \(file.order.joined(separator: ", ")))")
        }
        let kind =
            file.metadata["kind"]
            ?? (name == "probabilities" || name == "probs" ? "probabilities" : name == "logits" ? "logits" : nil)
        return Contents(
            outputs: NumericArray(shape: entry.shape, values: entry.values, source: "\(path):\(name)"),
            labels: file["labels"].map { NumericArray(shape: $0.shape, values: $0.values, source: "\(path):labels") },
            declaredKind: kind, metadata: file.metadata)
    }

    /// Labels for an outputs file: the explicit file, else the labels inside a safetensors file, else
    /// `<stem>.labels.npy` next to a .npy file.
    static func labels(for path: String, contents: Contents, explicit: String?, option: String) throws -> NumericArray {
        if let explicit {
            if explicit.hasSuffix(".safetensors") {
                let file: SafeTensorsFile
                do { file = try SafeTensorsFile.read(explicit) } catch let error as WeightsError {
                    throw CLIError("\(error)")
                }
                guard let entry = file["labels"] ?? (file.order.count == 1 ? file[file.order[0]] : nil) else {
                    throw CLIError("\(explicit): no tensor named labels (found: \(file.order.joined(separator: ", ")))")
                }
                return NumericArray(shape: entry.shape, values: entry.values, source: explicit)
            }
            return try NPYFile.read(explicit)
        }
        if let labels = contents.labels { return labels }
        guard path.hasSuffix(".npy") else {
            throw CLIError("\(path): no tensor named labels; add one (dump_logits does) or pass \(option) FILE")
        }
        let sibling = String(path.dropLast(".npy".count)) + ".labels.npy"
        guard FileManager.default.fileExists(atPath: sibling) else {
            throw CLIError(
                "\(path): no labels: expected \(sibling) next to it (dump_logits writes it) or \(option) FILE")
        }
        return try NPYFile.read(sibling)
    }
}
