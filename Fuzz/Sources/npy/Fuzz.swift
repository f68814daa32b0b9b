import Foundation
import FuzzDriver
import NumericArrays

/// Any bytes as a NumPy .npy file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = try? NPYFile.parse(UnsafeRawBufferPointer(start: data, count: size), path: "fuzz.npy")
    return 0
}

/// libFuzzer drives this executable (see FuzzDriver).
@_cdecl("fuzz_npy_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
