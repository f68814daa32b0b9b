import Foundation

/// Fully connected layer and the softmax cross-entropy loss.
public enum DenseKernels {
    /// y[n x out] = x[n x in] * W^T + b.
    public static func linearForward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, batch n: Int, inFeatures: Int, outFeatures: Int
    ) {
        sgemm(
            transA: false, transB: true, m: n, n: outFeatures, k: inFeatures, a: x, lda: inFeatures,
            b: weight, ldb: inFeatures, beta: 0, c: y, ldc: outFeatures)
        if let bias { for i in 0..<n { for o in 0..<outFeatures { y[i * outFeatures + o] += bias[o] } } }
    }

    public static func linearBackward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?,
        dx: UnsafeMutablePointer<Float>?, dxBeta: Float,
        batch n: Int, inFeatures: Int, outFeatures: Int
    ) {
        sgemm(
            transA: true, transB: false, m: outFeatures, n: inFeatures, k: n, a: dy, lda: outFeatures,
            b: x, ldb: inFeatures, beta: 1, c: dWeight, ldc: inFeatures)
        if let dBias { for i in 0..<n { for o in 0..<outFeatures { dBias[o] += dy[i * outFeatures + o] } } }
        if let dx {
            sgemm(
                transA: false, transB: false, m: n, n: inFeatures, k: outFeatures, a: dy, lda: outFeatures,
                b: weight, ldb: inFeatures, beta: dxBeta, c: dx, ldc: inFeatures)
        }
    }

    /// Row-wise softmax of logits[n x classes] into probs.
    public static func softmax(
        logits: UnsafePointer<Float>, probs: UnsafeMutablePointer<Float>, batch n: Int, classes k: Int
    ) {
        for i in 0..<n {
            let row = logits + i * k
            let out = probs + i * k
            var mx = -Float.infinity
            for j in 0..<k { mx = max(mx, row[j]) }
            var sum: Float = 0
            for j in 0..<k {
                out[j] = exp(row[j] - mx)
                sum += out[j]
            }
            let inv = 1 / sum
            for j in 0..<k { out[j] *= inv }
        }
    }

    /// Mean cross-entropy of logits against integer labels; probs receives the softmax (reused by backward).
    public static func crossEntropy(
        logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, probs: UnsafeMutablePointer<Float>,
        batch n: Int, classes k: Int
    ) -> Float {
        var total = 0.0
        for i in 0..<n {
            let row = logits + i * k
            let out = probs + i * k
            var mx = -Float.infinity
            for j in 0..<k { mx = max(mx, row[j]) }
            var sum = 0.0
            for j in 0..<k {
                let e = exp(Double(row[j] - mx))
                out[j] = Float(e)
                sum += e
            }
            for j in 0..<k { out[j] = Float(Double(out[j]) / sum) }
            let label = Int(labels[i])
            total += -(Double(row[label] - mx) - log(sum))
        }
        return Float(total / Double(n))
    }

    /// dlogits (=|+=) scale * (softmax - onehot) / n.
    public static func crossEntropyBackward(
        probs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
        dLogits: UnsafeMutablePointer<Float>, scale: Float, batch n: Int,
        classes k: Int, dxBeta: Float
    ) {
        let f = scale / Float(n)
        for i in 0..<n {
            for j in 0..<k {
                let g = f * (probs[i * k + j] - (j == Int(labels[i]) ? 1 : 0))
                dLogits[i * k + j] = dxBeta == 0 ? g : dLogits[i * k + j] + g
            }
        }
    }
}
