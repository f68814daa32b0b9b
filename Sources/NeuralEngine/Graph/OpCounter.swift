/// Counts the reference cost model while a graph runs: multiply-adds of convs and linears (plus linear biases),
/// ReLU elements and pooling windows; parameters of every conv, linear and BN affine executed. BN, resizing and
/// concatenation cost nothing, as in the reference's op counter.
public final class OpCounter: @unchecked Sendable {
    public private(set) var flops = 0
    public private(set) var params = 0
    /// (flops, params, classifier input shape) captured at each exit, in forward order.
    public private(set) var exits: [(flops: Int, params: Int, input: [Int])] = []
    public init() {}
    func add(flops f: Int, params p: Int = 0) {
        flops += f
        params += p
    }
    /// Records the running totals right after an exit's last layer; `input` is what its classifier read.
    public func markExit(input: [Int]) { exits.append((flops, params, input)) }
}
