import Foundation
import FuzzDriver

@testable import Datasets

/// Any bytes as a CIFAR-10 and a CIFAR-100 binary file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for variant in [CIFARVariant.cifar10, .cifar100] {
        var pixels: [UInt8] = []
        var labels: [Int32] = []
        _ = try? appendCIFARRecords(bytes, variant: variant, path: "fuzz.bin", pixels: &pixels, labels: &labels)
    }
    return 0
}

/// libFuzzer drives this executable (see FuzzDriver).
@_cdecl("fuzz_cifar_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
