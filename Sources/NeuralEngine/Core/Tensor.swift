/// A dense Float32 tensor in row-major (NCHW for images) order.
///
/// Storage is a raw allocation so kernels can use pointers without copy-on-write checks. A tensor either owns its
/// storage or is a view into another tensor's (reshapes, arena slices); views keep their owner alive.
public final class Tensor: @unchecked Sendable {
    public private(set) var shape: [Int]
    public let data: UnsafeMutablePointer<Float>
    public let capacity: Int
    private let owner: Tensor?

    /// A zero-filled tensor that owns its storage.
    public init(zeros shape: [Int]) {
        let n = shape.reduce(1, *)
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        capacity = max(n, 1)
        data = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        data.initialize(repeating: 0, count: capacity)
        self.shape = shape
        owner = nil
    }

    /// A tensor holding a copy of `values`.
    public convenience init(shape: [Int], values: [Float]) {
        precondition(
            values.count == shape.reduce(1, *),
            "Tensor: \(values.count) values do not fill shape \(shape)")
        self.init(zeros: shape)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A view sharing `base`'s storage from `offset`, with its own shape.
    public init(viewOf base: Tensor, offset: Int = 0, shape: [Int]) {
        let n = shape.reduce(1, *)
        precondition(
            offset + n <= base.capacity, "Tensor view: \(shape) at \(offset) exceeds capacity \(base.capacity)")
        data = base.data + offset
        capacity = base.capacity - offset
        self.shape = shape
        owner = base.owner ?? base
    }

    deinit { if owner == nil { data.deallocate() } }

    public var count: Int { shape.reduce(1, *) }
    public var rank: Int { shape.count }
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }

    /// The elements as an array (a copy).
    public var array: [Float] { Array(buffer) }

    /// A view with another shape of the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "reshape: \(shape) cannot become \(newShape)")
        return Tensor(viewOf: self, shape: newShape)
    }

    /// A view of rows `range` of the first axis (a contiguous part of a batch).
    public func rows(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0], "rows \(range) of \(shape)")
        let rowSize = shape.dropFirst().reduce(1, *)
        return Tensor(viewOf: self, offset: range.lowerBound * rowSize, shape: [range.count] + shape.dropFirst())
    }

    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    public func copy(from other: Tensor) {
        precondition(other.count == count, "copy: \(other.shape) into \(shape)")
        data.update(from: other.data, count: count)
    }

    /// A deep copy that owns its storage.
    public func clone() -> Tensor {
        let t = Tensor(zeros: shape)
        t.data.update(from: data, count: count)
        return t
    }

    public subscript(i: Int) -> Float {
        get { data[i] }
        set { data[i] = newValue }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String { "Tensor\(shape)" }
}

/// Shape of a 4-D NCHW tensor.
public struct NCHW: Equatable, Sendable, CustomStringConvertible {
    public var n, c, h, w: Int
    public init(_ n: Int, _ c: Int, _ h: Int, _ w: Int) {
        self.n = n
        self.c = c
        self.h = h
        self.w = w
    }
    public init(_ shape: [Int], op: String) throws {
        guard shape.count == 4 else { throw EngineError.shape(op: op, "expected NCHW input, got \(shape)") }
        self.init(shape[0], shape[1], shape[2], shape[3])
    }
    public var array: [Int] { [n, c, h, w] }
    public var plane: Int { h * w }
    public var count: Int { n * c * h * w }
    public var description: String { "[\(n), \(c), \(h), \(w)]" }
}
