import AdaptiveNets
import Foundation
import FuzzDriver

/// libFuzzer entry: any bytes as a safetensors file (weights, checkpoints and logits share this parser).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Data(bytes: data, count: size)
    if let file = try? SafeTensorsFile.parse(bytes, path: "fuzz.safetensors") {
        _ = file.firstNonFinite()
        _ = try? file.serialized()
    }
    return 0
}

/// libFuzzer drives this executable (see FuzzDriver).
@_cdecl("fuzz_safetensors_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
