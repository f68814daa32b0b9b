/// Everything that can be wrong with the inputs of an evaluation or an early-exit run; each message says what and
/// where.
public enum InferenceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Images whose (channels, height, width) differ from the model's input. They are refused, never resized or
    /// converted: a silently resized image would give numbers that belong to no dataset the model was trained on.
    case inputShapeMismatch(context: String, expected: [Int], found: [Int])
    /// A tensor that cannot be compacted (row index out of range, wrong destination shape, no batch axis).
    case compaction(String)
    /// A model produced a non-finite logit.
    case nonFiniteLogits(exit: Int, sample: Int)
    /// The model's stages disagree with its declared exits.
    case modelContract(String)
    /// A caller-supplied value that cannot work (batch size, repetitions, empty dataset...).
    case invalidArgument(String)

    /// A one-line message fit for a terminal.
    public var description: String {
        switch self {
        case .inputShapeMismatch(let context, let expected, let found):
            return "\(context): images are \(Self.format(found)) (channels x height x width) but the model takes "
                + "\(Self.format(expected)); images are refused, not resized or converted "
                + "(convert the dataset first, e.g. Dataset.converted(toChannels:))"
        case .compaction(let message): return "batch compaction: \(message)"
        case .nonFiniteLogits(let exit, let sample):
            return "exit \(exit) produced a non-finite logit for sample \(sample) of the batch"
        case .modelContract(let message): return "model: \(message)"
        case .invalidArgument(let message): return message
        }
    }

    private static func format(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "x") }
}
