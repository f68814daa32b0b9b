import Foundation

/// Knowledge distillation's softened KL divergence (Hinton et al.), as PyTorch's
/// `KLDivLoss()(log_softmax(student / T), softmax(teacher / T))` computes it.
public enum DistillationKernels {
    /// Returns sum over every element of p * (log p - log q) divided by n * classes (KLDivLoss's default 'mean'
    /// reduction averages over elements, not rows), with p = softmax(teacher / T) and q = softmax(student / T).
    /// `studentProbs` and `teacherProbs` receive q and p for the backward pass.
    public static func klDivergence(
        student: UnsafePointer<Float>, teacher: UnsafePointer<Float>, temperature: Float,
        studentProbs: UnsafeMutablePointer<Float>, teacherProbs: UnsafeMutablePointer<Float>,
        batch n: Int, classes k: Int
    ) -> Float {
        let t = Double(temperature)
        var total = 0.0
        var logQ = [Double](repeating: 0, count: k)
        var logP = [Double](repeating: 0, count: k)
        for i in 0..<n {
            softenedLogSoftmax(student + i * k, t, k, into: &logQ)
            softenedLogSoftmax(teacher + i * k, t, k, into: &logP)
            for j in 0..<k {
                let p = exp(logP[j])
                studentProbs[i * k + j] = Float(exp(logQ[j]))
                teacherProbs[i * k + j] = Float(p)
                // PyTorch's xlogy convention: a zero target probability contributes 0.
                if p > 0 { total += p * (logP[j] - logQ[j]) }
            }
        }
        return Float(total / Double(n * k))
    }

    /// dStudent (=|+=) scale * (q - p) / (T * n * classes); p sums to 1 per row, so this is the exact gradient.
    public static func klDivergenceBackward(
        studentProbs: UnsafePointer<Float>, teacherProbs: UnsafePointer<Float>, temperature: Float,
        dStudent: UnsafeMutablePointer<Float>, scale: Float, batch n: Int, classes k: Int, dxBeta: Float
    ) {
        let f = scale / (temperature * Float(n * k))
        for i in 0..<(n * k) {
            let g = f * (studentProbs[i] - teacherProbs[i])
            dStudent[i] = dxBeta == 0 ? g : dStudent[i] + g
        }
    }

    /// log softmax(row / t) in double precision.
    private static func softenedLogSoftmax(_ row: UnsafePointer<Float>, _ t: Double, _ k: Int, into out: inout [Double])
    {
        var mx = -Double.infinity
        for j in 0..<k { mx = max(mx, Double(row[j]) / t) }
        var sum = 0.0
        for j in 0..<k { sum += exp(Double(row[j]) / t - mx) }
        let logSum = log(sum)
        for j in 0..<k { out[j] = Double(row[j]) / t - mx - logSum }
    }
}

extension ElementwiseKernels {
    /// y (=|+=) w * x.
    public static func scaled(
        _ x: UnsafePointer<Float>, by w: Float, into y: UnsafeMutablePointer<Float>, count: Int, beta: Float
    ) {
        if beta == 0 {
            for i in 0..<count { y[i] = w * x[i] }
        } else {
            for i in 0..<count { y[i] += w * x[i] }
        }
    }
}
