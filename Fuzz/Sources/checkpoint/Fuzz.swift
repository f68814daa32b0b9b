import AdaptiveNets
import Foundation
import FuzzDriver
import ModelConfigs
import NeuralEngine
import Training

/// A tiny RANet built once; every input is loaded into it as a checkpoint (tensor names and shapes checked, momentum
/// buffers matched to parameters, the training position decoded from the metadata). ImageNet stem: its classifiers
/// keep the few channels, so a whole checkpoint is 110 KB (the seeds in Fuzz/corpus/checkpoint: `ranet train` of
/// this config on 48x48 images, and its `export-weights` state_dict).
nonisolated(unsafe) let model: any EarlyExitNetwork = {
    let config = RANetConfig(
        nChannels: 4, growthRate: 4, grFactor: [2, 1], bnFactor: [2, 1], scaleList: [1, 2], nBlocks: 1, blockStep: 2,
        step: 1, stepMode: "even", classes: 4, stem: "imagenet", input: [1, 48, 48])
    return try! ModelFactory.build(.ranet(config), initialize: false)
}()
let path = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-fuzz-checkpoint-\(getpid())").path
nonisolated(unsafe) let optimizer = try! SGD(learningRate: 0.1)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size)) else { return 0 }
    _ = try? Checkpoint.load(path, into: model, optimizer: optimizer)
    return 0
}

/// libFuzzer drives this executable (see FuzzDriver).
@_cdecl("fuzz_checkpoint_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
