import Foundation
import ModelConfigs
import NeuralEngine

extension VectorVerification {
    /// The network a vector set describes and the loss it differentiates: the sum of the exits' cross-entropies
    /// (vectors/S, MS; with Gradient Equilibrium for stage "GE"), or the distillation loss of IMTA's stage 2 (stage
    /// "IMTA", its T and gamma from the metadata).
    struct Subject {
        let model: any EarlyExitNetwork
        /// The io tensor holding the loss's summands.
        let termsKey: String
        /// Parameters whose gradient is 0 in exact arithmetic (compared as such, `VectorVerification.zeroFraction`).
        var zeroGradients: Set<String> = []
        /// Train-mode logits, the loss's summands and the loss.
        let loss: (Graph, Node, [Int32]) throws -> (logits: [Node], terms: [Float], total: Node)

        /// `imta`: the sets' `imta` metadata (JSON: stage, T, gamma), nil for plain sets.
        init(config: ModelConfig, imta: String?, path: String) throws {
            guard let imta else {
                model = try ModelFactory.build(config, initialize: false)
                termsKey = "loss_per_exit"
                loss = Self.exitCrossEntropies(model)
                return
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(imta.utf8)) as? [String: Any],
                let stage = object["stage"] as? String
            else { throw WeightsError.corrupt(path, "metadata \"imta\" is not a JSON object with a \"stage\"") }
            switch stage {
            case "GE":
                let network = try ModelFactory.build(config, initialize: false)
                guard let pooled = network as? any PooledFeatureNetwork else {
                    throw WeightsError.corrupt(path, "\(network.architecture) has no Gradient Equilibrium")
                }
                pooled.gradientEquilibrium = true
                model = pooled
                termsKey = "loss_per_exit"
                loss = Self.exitCrossEntropies(model)
            case "IMTA":
                guard let t = (object["T"] as? NSNumber)?.floatValue,
                    let gamma = (object["gamma"] as? NSNumber)?.floatValue
                else { throw WeightsError.corrupt(path, "metadata \"imta\" of stage IMTA has no numeric T and gamma") }
                let settings = DistillationSettings(temperature: t, gamma: gamma)
                let network = try IMTANetwork(backbone: config, initialize: false)
                model = network
                termsKey = "loss_terms"
                zeroGradients = network.biasesNormalizedAway
                loss = { g, x, labels in
                    let out = try network.distillationLoss(g, x, labels: labels, settings: settings)
                    return (out.logits, out.terms, out.total)
                }
            default:
                throw WeightsError.corrupt(path, "metadata \"imta\" names stage \"\(stage)\" (expected GE or IMTA)")
            }
        }

        private static func exitCrossEntropies(
            _ model: any EarlyExitNetwork
        ) -> (Graph, Node, [Int32]) throws -> (logits: [Node], terms: [Float], total: Node) {
            { g, x, labels in
                let logits = try model.forward(g, x)
                let losses = try logits.map { try g.crossEntropy($0, labels: labels) }
                let total = try g.weightedSum(losses, weights: Array(repeating: 1, count: losses.count))
                return (logits, losses.map { $0.value[0] }, total)
            }
        }
    }
}
