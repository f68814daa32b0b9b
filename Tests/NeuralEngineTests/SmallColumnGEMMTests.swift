import TestSupport
import Testing

@testable import NeuralEngine

/// `sgemm` hands products with at most four columns to its own kernel instead of OpenBLAS; it must give the same
/// C = alpha * A * B + beta * C, leading dimensions wider than the rows included, against a double-precision loop.
@Suite struct SmallColumnGEMMTests {
    @Test(arguments: [1, 2, 3, 4], [(m: 1, k: 64), (m: 7, k: 67), (m: 16, k: 200)])
    func smallColumnProductEqualsTheReference(n: Int, shape: (m: Int, k: Int)) {
        let (m, k) = shape
        let (lda, ldb, ldc) = (k + 3, n + 2, n + 1)
        var rng = TestRNG(seed: UInt64(100 * n + m))
        let a = rng.array(m * lda)
        let b = rng.array(k * ldb)
        for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (2, 0.25)] {
            let start = rng.array(m * ldc)
            var c = start
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        sgemm(
                            transA: false, transB: false, m: m, n: n, k: k, alpha: alpha, a: a.baseAddress!, lda: lda,
                            b: b.baseAddress!, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: ldc)
                    }
                }
            }
            var expected = start
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0
                    for p in 0..<k { sum += Double(a[i * lda + p]) * Double(b[p * ldb + j]) }
                    expected[i * ldc + j] = Float(Double(alpha) * sum + Double(beta) * Double(start[i * ldc + j]))
                }
            }
            #expect(scaledMaxError(c, expected) < 1e-5, "n \(n), m \(m), k \(k), alpha \(alpha), beta \(beta)")
            // Entries between the rows' columns (ldc > n) are left alone.
            for i in 0..<m { #expect(c[i * ldc + n..<(i + 1) * ldc] == start[i * ldc + n..<(i + 1) * ldc]) }
        }
    }
}
