import AdaptiveNets
import Foundation

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

/// SwiftPM renames an executable's entry point to `fuzz_safetensors_main` and links `main` to it: hand control to libFuzzer.
@_cdecl("fuzz_safetensors_main")
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
