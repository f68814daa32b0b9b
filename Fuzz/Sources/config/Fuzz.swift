import AdaptiveNets
import Foundation
import FuzzDriver
import ModelConfigs

/// Any bytes as a model config .json file (decode, validate; small valid configs are also costed).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let config = try? JSONDecoder().decode(ModelConfig.self, from: Data(bytes: data, count: size)),
        (try? config.validate()) != nil
    else { return 0 }
    // Building allocates every weight: only configs of a small input (cheap per execution) are built.
    if config.input.reduce(1, *) <= 3 * 32 * 32, config.classes <= 100,
        let model = try? ModelFactory.build(config, initialize: false)
    {
        _ = try? model.cost()
    }
    return 0
}

/// libFuzzer drives this executable (see FuzzDriver).
@_cdecl("fuzz_config_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
