import Foundation
import ExitPolicies
import NumericArrays

/// Per-exit outputs of an external model on one split, checked and turned into the statistics the store keeps.
public struct ImportedSplit: Sendable {
    /// "val" or "test" (the split names `ranet eval` uses, so the dashboard finds them).
    public let name: String
    public let path: String
    public let outputs: ExitOutputs
    /// "logits" or "probabilities", as read or detected.
    public let kind: String
    public let metadata: [String: String]

    /// How to read the values: say so, or let the file or the values decide.
    public enum Kind: String, CaseIterable, Sendable { case auto, logits, probabilities }

    public init(
        name: String, path: String, outputs: ExitOutputs, kind: String, metadata: [String: String]
    ) {
        self.name = name
        self.path = path
        self.outputs = outputs
        self.kind = kind
        self.metadata = metadata
    }

    /// Checks an outputs array before its labels are read: shape [exits, samples, classes], all finite.
    public static func checkOutputs(_ array: NumericArray) throws -> (exits: Int, samples: Int, classes: Int) {
        guard array.shape.count == 3, array.shape.allSatisfy({ $0 > 0 }) else {
            throw ImportError("\(array.source): shape \(array.shape); expected [exits, samples, classes], all non-zero")
        }
        let (exits, samples, classes) = (array.shape[0], array.shape[1], array.shape[2])
        if let bad = array.values.firstIndex(where: { !$0.isFinite }) {
            throw ImportError(
                "\(array.source): value at exit \(bad / (samples * classes)), sample \((bad / classes) % samples), "
                    + "class \(bad % classes) is \(array.values[bad]) (NaN or infinite); nothing was imported")
        }
        return (exits, samples, classes)
    }

    /// Checks the labels ([samples] integer classes) of outputs that passed `checkOutputs`, decides logits or
    /// probabilities, and turns them into exit statistics. `path` is stored as given (make it absolute first).
    public init(
        name: String, path: String, outputs array: NumericArray, labels labelArray: NumericArray,
        declaredKind: String?, metadata: [String: String], kind: Kind
    ) throws {
        let (exits, samples, classes) = try Self.checkOutputs(array)
        let labelCount = labelArray.shape.reduce(1, *)
        guard labelArray.shape == [samples] || labelArray.shape == [samples, 1] else {
            throw ImportError(
                "\(labelArray.source): labels have shape \(labelArray.shape), \(array.source) has \(samples) samples; "
                    + "expected [\(samples)]")
        }
        let labels = try labelArray.values.prefix(labelCount).enumerated().map { index, value -> Int32 in
            guard value == value.rounded(), value >= 0, value < Float(classes) else {
                throw ImportError(
                    "\(labelArray.source): label of sample \(index) is \(value); expected an integer class in 0..<\(classes)"
                )
            }
            return Int32(value)
        }
        let resolved = try Self.resolveKind(
            kind, declared: declaredKind, values: array.values, classes: classes, source: array.source)
        do {
            let outputs =
                resolved == "logits"
                ? try ExitOutputs(
                    logits: array.values, exitCount: exits, sampleCount: samples, classCount: classes, labels: labels)
                : try ExitOutputs(
                    probabilities: array.values, exitCount: exits, sampleCount: samples, classCount: classes,
                    labels: labels)
            self.init(name: name, path: path, outputs: outputs, kind: resolved, metadata: metadata)
        } catch {
            throw ImportError("\(array.source): \(error)")
        }
    }

    /// How far a row's sum may stray from 1 and still count as probabilities: float32 softmax rows written by
    /// other frameworks are off by rounding, logits essentially never sum to 1 this closely.
    public static let probabilitySumTolerance = 1e-3

    /// Probabilities when told, declared by the file, or when every row is a distribution (values in [0, 1]
    /// summing to 1 within `probabilitySumTolerance`); logits otherwise.
    public static func resolveKind(
        _ kind: Kind, declared: String?, values: [Float], classes: Int, source: String
    ) throws -> String {
        if kind != .auto { return kind.rawValue }
        if let declared {
            guard declared == "logits" || declared == "probabilities" else {
                throw ImportError("\(source): metadata kind '\(declared)' is neither logits nor probabilities")
            }
            return declared
        }
        let rows = values.count / classes
        let distributions =
            values.allSatisfy { $0 >= 0 && $0 <= 1 }
            && (0..<rows).allSatisfy { row in
                abs(values[row * classes..<(row + 1) * classes].reduce(0.0) { $0 + Double($1) } - 1)
                    <= probabilitySumTolerance
            }
        return distributions ? "probabilities" : "logits"
    }
}
