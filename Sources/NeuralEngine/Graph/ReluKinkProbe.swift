/// Counts (and optionally inverts the backward decision of) ReLU inputs that sit on the kink within float noise.
public final class ReluKinkProbe: @unchecked Sendable {
    public let relative: Float
    public let flip: Bool
    public private(set) var count = 0
    public init(relative: Float = 5e-7, flip: Bool) {
        self.relative = relative
        self.flip = flip
    }
    func found(_ n: Int) { count += n }
}
