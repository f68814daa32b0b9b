/// Errors raised at the engine's public entry points (kernels below them only use preconditions).
public enum EngineError: Error, CustomStringConvertible, Equatable {
    case shape(op: String, String)
    case invalidArgument(op: String, String)
    /// Another replica of a split batch failed first (`ReplicaGroup.run` reports that replica's error instead).
    case replicaAborted(op: String)

    public var description: String {
        switch self {
        case .shape(let op, let message): return "\(op): shape mismatch: \(message)"
        case .invalidArgument(let op, let message): return "\(op): \(message)"
        case .replicaAborted(let op): return "\(op): another replica of the batch failed"
        }
    }
}
