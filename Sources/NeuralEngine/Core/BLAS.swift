import CBLAS
import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Time and FLOPs spent inside sgemm while `enabled` (the benchmark's profile uses it to split a convolution's time
/// into GEMM and the data movement around it). It counts only GEMMs issued on the thread that enabled it: with the
/// batch split across threads the others would race on the totals (and the first part's times stand for the step).
public enum GEMMClock {
    nonisolated(unsafe) public static var enabled = false { didSet { owner = pthread_self() } }
    nonisolated(unsafe) private static var owner = pthread_self()
    nonisolated(unsafe) public private(set) static var seconds = 0.0
    nonisolated(unsafe) public private(set) static var flops = 0.0
    public static func reset() {
        seconds = 0
        flops = 0
    }
    static func add(started: UInt64, m: Int, n: Int, k: Int) {
        guard pthread_equal(owner, pthread_self()) != 0 else { return }
        seconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        flops += 2 * Double(m) * Double(n) * Double(k)
    }
}

/// C[m x n] = alpha * op(A) * op(B) + beta * C, row-major; op(A) is m x k, op(B) is k x n.
@inline(__always)
func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        if beta == 0 {
            for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
        } else if beta != 1 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
        }
        return
    }
    let started = GEMMClock.enabled ? DispatchTime.now().uptimeNanoseconds : 0
    defer { if GEMMClock.enabled { GEMMClock.add(started: started, m: m, n: n, k: k) } }
    if !transA && !transB && n <= SmallColumnGEMM.maxColumns && k >= SmallColumnGEMM.minDepth {
        SmallColumnGEMM.multiply(
            m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
}

/// C = alpha * A * B + beta * C for a B of at most four columns (a batch-1 conv on a 2x2 output, such as the
/// classifiers' last 3x3/2 conv): OpenBLAS packs all of A (the weights) for every call, which for four columns costs
/// more than the multiply-adds. Here each pair of A's rows is read once, straight from its row-major storage, against
/// B's columns transposed into a small contiguous copy.
enum SmallColumnGEMM {
    /// At most this many columns of B: four 8-wide sums per row of A stay in registers.
    static let maxColumns = 4
    /// At least this deep (K): shallower products are cheap in OpenBLAS too.
    static let minDepth = 64

    static func multiply(
        m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        // B's columns as rows, padded with zero rows to `maxColumns` so one loop serves every n.
        let bt = UnsafeMutablePointer<Float>.allocate(capacity: maxColumns * k)
        defer { bt.deallocate() }
        bt.initialize(repeating: 0, count: maxColumns * k)
        for p in 0..<k { for j in 0..<n { bt[j * k + p] = b[p * ldb + j] } }
        let vectorEnd = k & ~7
        // Per row pair: the eight 8-wide sums (row r, column j at r * maxColumns + j).
        let sums = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: 2 * maxColumns)
        defer { sums.deallocate() }
        var i = 0
        while i < m {
            let rows = min(2, m - i)
            let a0 = a + i * lda
            let a1 = a + (i + rows - 1) * lda  // a single last row is summed twice, and its copy ignored
            var s00 = SIMD8<Float>.zero, s01 = SIMD8<Float>.zero, s02 = SIMD8<Float>.zero, s03 = SIMD8<Float>.zero
            var s10 = SIMD8<Float>.zero, s11 = SIMD8<Float>.zero, s12 = SIMD8<Float>.zero, s13 = SIMD8<Float>.zero
            var p = 0
            while p < vectorEnd {
                let x0 = load8(a0 + p)
                let x1 = load8(a1 + p)
                let b0 = load8(bt + p)
                let b1 = load8(bt + k + p)
                let b2 = load8(bt + 2 * k + p)
                let b3 = load8(bt + 3 * k + p)
                s00.addProduct(x0, b0)
                s01.addProduct(x0, b1)
                s02.addProduct(x0, b2)
                s03.addProduct(x0, b3)
                s10.addProduct(x1, b0)
                s11.addProduct(x1, b1)
                s12.addProduct(x1, b2)
                s13.addProduct(x1, b3)
                p += 8
            }
            sums[0] = s00
            sums[1] = s01
            sums[2] = s02
            sums[3] = s03
            sums[4] = s10
            sums[5] = s11
            sums[6] = s12
            sums[7] = s13
            for r in 0..<rows {
                let row = a + (i + r) * lda
                for j in 0..<n {
                    var total = sums[r * maxColumns + j].sum()
                    for q in vectorEnd..<k { total += row[q] * bt[j * k + q] }
                    let out = c + (i + r) * ldc + j
                    out.pointee = beta == 0 ? alpha * total : alpha * total + beta * out.pointee
                }
            }
            i += rows
        }
    }

    @inline(__always)
    private static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
}
