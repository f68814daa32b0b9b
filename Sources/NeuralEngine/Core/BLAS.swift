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
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
}
