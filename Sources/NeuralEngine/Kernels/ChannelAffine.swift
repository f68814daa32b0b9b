/// y = scale[c] * x + shift[c], optionally followed by ReLU: an inference-mode batch norm (with the conv's bias folded
/// into `shift`) applied by the convolution to its output while that is still in cache, instead of in a pass of its
/// own over a second buffer.
public struct ChannelAffine {
    let scale: UnsafePointer<Float>
    let shift: UnsafePointer<Float>
    let relu: Bool

    /// dst[0..<count] = affine(src[0..<count]) for channel `c`; `src` may equal `dst`.
    @inline(__always)
    func apply(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int, channel c: Int) {
        typealias V = SIMD8<Float>
        let a = scale[c]
        let b = shift[c]
        let va = V(repeating: a)
        let vb = V(repeating: b)
        let zero = V()
        var p = 0
        while p + 8 <= count {
            var v = UnsafeRawPointer(src + p).loadUnaligned(as: V.self) * va + vb
            if relu { v = v.replacing(with: zero, where: v .< zero) }
            UnsafeMutableRawPointer(dst + p).storeBytes(of: v, as: V.self)
            p += 8
        }
        while p < count {
            let v = src[p] * a + b
            dst[p] = relu ? max(v, 0) : v
            p += 1
        }
    }

    /// The affine of channels `first`, `first + 1`, ... as channels 0, 1, ...
    func channels(from first: Int) -> ChannelAffine {
        ChannelAffine(scale: scale + first, shift: shift + first, relu: relu)
    }

    /// Applies the affine in place to one NCHW image of `channels` planes of `plane` values.
    func apply(inPlace y: UnsafeMutablePointer<Float>, channels: Int, plane: Int) {
        for c in 0..<channels {
            let row = y + c * plane
            apply(row, into: row, count: plane, channel: c)
        }
    }
}
