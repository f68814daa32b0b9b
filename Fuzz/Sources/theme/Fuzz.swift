import Dashboard
import Foundation
import FuzzDriver

/// Any bytes as a theme file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? Theme.parse(text, name: "fuzz", source: "fuzz.theme")
    return 0
}

/// libFuzzer drives this executable (see FuzzDriver).
@_cdecl("fuzz_theme_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
