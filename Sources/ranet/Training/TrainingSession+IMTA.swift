import AdaptiveNets
import ExperimentRecords
import ExperimentStore
import Foundation
import ModelConfigs
import Training

extension TrainingSession {
    /// IMTA stage 2 (`--imta-from RUN`): new heads and ISC modules over run RUN's latest checkpoint, its backbone
    /// frozen, trained by the distillation loss on RUN's data (same split, normalisation and augmentation); the new run
    /// records RUN as its parent.
    static func startIMTA(
        from parentID: Int64, command c: TrainCommand, store: ExperimentStore
    ) throws
        -> TrainingSession
    {
        guard c.technique == nil else {
            throw CLIError(
                "--imta-from trains IMTA's stage 2 itself: leave out --technique (use --technique ge for stage 1)")
        }
        guard let parent = try store.run(id: parentID) else {
            throw CLIError("--imta-from: no run \(parentID) in the store \(store.path)")
        }
        guard parent.status != .running else {
            throw CLIError(
                "--imta-from: run \(parentID) is still training (status running); wait for it to finish or stop it")
        }
        guard let checkpoint = store.latestCheckpoint(of: parent) else {
            throw CLIError("--imta-from: run \(parentID) has no checkpoint (it never finished an epoch)")
        }
        guard FileManager.default.fileExists(atPath: checkpoint) else {
            throw CLIError("--imta-from: run \(parentID)'s latest checkpoint \(checkpoint) was moved or deleted")
        }
        let parentNetwork = try parent.networkConfig()
        guard !parentNetwork.imtaHeads else {
            throw CLIError("--imta-from: run \(parentID) is already an IMTA stage-2 run; name its parent run instead")
        }
        let config = parentNetwork.model
        if let arch = c.arch, arch.lowercased() != config.arch {
            throw CLIError("--imta-from: run \(parentID) is a \(config.arch), not the requested \(arch)")
        }
        if let requested = c.config ?? c.preset {
            let wanted = try ModelFactory.config(named: requested)
            guard wanted == config else {
                throw CLIError(
                    "--imta-from: run \(parentID)'s \(config.arch) config is not \(requested) (leave out --preset and "
                        + "--config: stage 2 uses the run's own)")
            }
        }
        let parentSettings = try RunSettings.decode(parent.hyperParametersJSON, run: parentID)
        let distillation = DistillationSettings(temperature: c.temperature, gamma: c.gamma)
        do { try distillation.validate() } catch { throw CLIError("\(error)") }

        let model = try IMTANetwork(backbone: config, seed: c.seed)
        do { try Checkpoint.loadBackbone(checkpoint, into: model) } catch {
            throw CLIError("--imta-from: run \(parentID)'s checkpoint \(checkpoint) does not fit its config: \(error)")
        }
        var options = try recipe(
            command: c, technique: .imta, exits: model.exitCount, epochs: parentSettings.options.epochs)
        options.distillation = distillation
        try options.validate(exits: model.exitCount)
        var settings = parentSettings
        settings.options = options
        let data = try settings.loadTrainingData(input: model.inputShape)
        return try create(
            command: c, store: store, network: NetworkConfig(config, imtaHeads: true), model: model,
            settings: settings, name: c.name ?? "\(parent.name) IMTA", presetName: "IMTA over run \(parentID)",
            data: data, parent: parentID)
    }
}
