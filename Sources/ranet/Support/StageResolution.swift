import AdaptiveNets
import NeuralEngine

/// The spatial size (height, width) each stage of a model works at, for "sub-network (resolution)" columns.
enum StageResolution {
    /// RANet: sub-network h's base features from the stem (its input resolution). Other models: the feature map
    /// entering the classifier of the stage's first exit.
    static func of(_ model: any EarlyExitNetwork, cost: CostTable) throws -> [[Int]] {
        if model is RANet {
            let graph = Graph(training: false, recordsGradients: false)
            graph.performsArithmetic = false
            let state = try model.begin(graph, graph.input(Tensor(zeros: [1] + model.inputShape)))
            return (0..<model.stageCount).map { Array(state[$0].shape.suffix(2)) }
        }
        return (0..<model.stageCount).map { stage in
            guard let exit = model.exitStage.firstIndex(of: stage) else { return [] }
            return Array(cost.classifierInput[exit].suffix(2))
        }
    }

    static func text(_ size: [Int]) -> String { size.count == 2 ? "\(size[0])x\(size[1])" : "-" }
}
