import AdaptiveNets
import Foundation
import FuzzDriver
import NumericArrays
import OutputsImport

/// Any bytes as an imported-outputs safetensors file: the `logits` tensor and `labels` become an imported split
/// (shape, finiteness, label and probability checks, per-exit statistics).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let file = try? SafeTensorsFile.parse(Data(bytes: data, count: size), path: "fuzz.safetensors"),
        let logits = file["logits"] ?? file["probabilities"], let labels = file["labels"]
    else { return 0 }
    _ = try? ImportedSplit(
        name: "val", path: "fuzz.safetensors",
        outputs: NumericArray(shape: logits.shape, values: logits.values, source: "fuzz:logits"),
        labels: NumericArray(shape: labels.shape, values: labels.values, source: "fuzz:labels"),
        declaredKind: file.metadata["kind"], metadata: file.metadata, kind: .auto)
    return 0
}

/// libFuzzer drives this executable (see FuzzDriver).
@_cdecl("fuzz_logits_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
