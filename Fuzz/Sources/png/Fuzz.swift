import Datasets
import Foundation
import FuzzDriver

/// Any bytes as a PNG image; a decoded image is encoded again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    if let pixels = try? PNGCodec.decode(Array(UnsafeBufferPointer(start: data, count: size)), path: "fuzz.png"),
        pixels.bytes.count <= 1 << 20
    {
        _ = try? PNGCodec.encode(pixels)
    }
    return 0
}

/// libFuzzer drives this executable (see FuzzDriver).
@_cdecl("fuzz_png_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
