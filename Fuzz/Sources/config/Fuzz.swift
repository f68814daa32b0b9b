import AdaptiveNets
import Foundation
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

/// SwiftPM renames an executable's entry point to `fuzz_config_main` and links `main` to it: hand control to libFuzzer.
@_cdecl("fuzz_config_main")
public func fuzzerMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzz)
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32
