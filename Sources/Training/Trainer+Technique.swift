import AdaptiveNets

extension Trainer {
    /// Checks that `model` fits the options' technique and switches Gradient Equilibrium on or off to match it.
    static func applyTechnique(_ options: TrainingOptions, to model: any EarlyExitNetwork) throws {
        switch options.technique {
        case .imta:
            guard model is IMTANetwork else {
                throw TrainingError.mismatch("technique imta trains an IMTA network (stage-2 heads over a stage-1 one)")
            }
        case .ge, nil:
            if model is IMTANetwork {
                throw TrainingError.mismatch("an IMTA network trains with technique imta (its distillation loss)")
            }
            guard let pooled = model as? any PooledFeatureNetwork else {
                if options.technique == .ge {
                    throw TrainingError.mismatch("\(model.architecture) has no Gradient Equilibrium")
                }
                return
            }
            pooled.gradientEquilibrium = options.technique == .ge
        }
    }
}
