import AdaptiveNets
import Foundation
import NeuralEngine
import TestSupport
import Testing

@Suite struct MSDNetVectorTests {
    /// Set MS (the official msdnet.py, unmodified): every group passes, the model chosen from the `args` metadata.
    @Test func msdnetVectorSetMSPassesEveryGroup() throws {
        let results = try VectorVerification.run(directory: SharedFixtures.path("vectors/MS"))
        #expect(
            results.map(\.group) == [
                "eval logits", "train logits", "loss", "gradients", "BN running stats",
                "SGD step", "eval logits after step",
            ])
        for r in results {
            #expect(
                r.passed, "\(r.group): max relative error \(r.maxRelative) (abs \(r.maxAbsolute)) at \(r.worstTensor)")
        }
        #expect(results.first { $0.group == "gradients" }?.tensors == 108)
    }
}
