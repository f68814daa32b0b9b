import Datasets
import Foundation

/// Any bytes as a JPEG image (libjpeg-turbo); a decoded image is encoded again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    if let pixels = try? JPEGCodec.decode(Array(UnsafeBufferPointer(start: data, count: size)), path: "fuzz.jpg"),
        pixels.bytes.count <= 1 << 20
    {
        _ = try? JPEGCodec.encode(pixels)
    }
    return 0
}

/// SwiftPM renames an executable's entry point to `fuzz_jpeg_main` and links `main` to it: hand control to libFuzzer.
@_cdecl("fuzz_jpeg_main")
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
