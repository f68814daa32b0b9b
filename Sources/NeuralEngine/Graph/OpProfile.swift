import Dispatch

/// Wall time per op kind (forward and backward separately).
public final class OpProfile: @unchecked Sendable {
    public private(set) var forward: [String: Double] = [:]
    public private(set) var backward: [String: Double] = [:]
    public init() {}
    func start() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    func stop(_ kind: String, forward isForward: Bool, _ started: UInt64?) {
        guard let started else { return }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        if isForward { forward[kind, default: 0] += seconds } else { backward[kind, default: 0] += seconds }
    }
    /// Convolution time by shape (forward and backward) and the multiply-adds done, so the benchmark can name the
    /// layers that run far below the machine's GEMM speed.
    public private(set) var convShapes: [String: ConvShapeTime] = [:]
    public struct ConvShapeTime: Sendable {
        public var forward = 0.0, backward = 0.0, macs = 0
        /// Of `seconds`, the time inside sgemm (when `GEMMClock` runs on this thread).
        public var gemm = 0.0
        public var seconds: Double { forward + backward }
    }
    func noteConv(_ shape: String, forward isForward: Bool, _ started: UInt64?, gemmBefore: Double, macs: Int) {
        guard let started else { return }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        if isForward {
            convShapes[shape, default: ConvShapeTime()].forward += seconds
        } else {
            convShapes[shape, default: ConvShapeTime()].backward += seconds
        }
        convShapes[shape]!.macs += macs
        convShapes[shape]!.gemm += GEMMClock.seconds - gemmBefore
    }
    public func reset() {
        forward = [:]
        backward = [:]
        convShapes = [:]
    }
}
