/// Geometry of a 2-D convolution over an NCHW input with an OIHW weight.
public struct ConvGeometry: Equatable, Sendable {
    public let input: NCHW
    public let outChannels, kernelH, kernelW, stride, padding: Int
    public let outH, outW: Int
    /// Floats between consecutive input images: C*H*W, or more for a view into a wider channel buffer (an inference
    /// graph's in-place concatenation). Only forward reads such inputs.
    public let inputImageStride: Int
    /// Floats between consecutive output images: M*outH*outW, or more when forward writes into a wider channel
    /// buffer (the first channels of an inference graph's in-place concatenation).
    public var outputImageStride: Int

    public init(
        input: NCHW, outChannels: Int, kernelH: Int, kernelW: Int, stride: Int, padding: Int,
        inputImageStride: Int? = nil, outputImageStride: Int? = nil
    ) {
        self.input = input
        self.inputImageStride = inputImageStride ?? input.c * input.plane
        self.outChannels = outChannels
        self.kernelH = kernelH
        self.kernelW = kernelW
        self.stride = stride
        self.padding = padding
        outH = (input.h + 2 * padding - kernelH) / stride + 1
        outW = (input.w + 2 * padding - kernelW) / stride + 1
        self.outputImageStride = outputImageStride ?? outChannels * outH * outW
    }

    public var output: NCHW { NCHW(input.n, outChannels, outH, outW) }
    /// Rows of the im2col matrix: one per (input channel, kernel tap).
    public var patch: Int { input.c * kernelH * kernelW }
    public var outPlane: Int { outH * outW }
    /// Whether the input's images are contiguous (C*H*W apart).
    public var inputIsDense: Bool { inputImageStride == input.c * input.plane }
    /// Whether the output's images are contiguous (M*outH*outW apart).
    public var outputIsDense: Bool { outputImageStride == outChannels * outPlane }
    /// A 1x1, stride-1, unpadded convolution is a plain matrix product over the input planes.
    public var isPointwise: Bool { kernelH == 1 && kernelW == 1 && stride == 1 && padding == 0 }
    /// Multiply-adds of the forward pass.
    public var macs: Int { input.n * outChannels * patch * outPlane }
}
