import ExperimentStore
import Foundation
import FuzzDriver

/// Any bytes as the store file: the read-only check, and for files it accepts, opening the store and reading it.
/// Whatever is refused must be left byte for byte as it was.
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ranet-fuzz-store-\(getpid())").path
let path = directory + "/store.sqlite"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    try? FileManager.default.removeItem(atPath: directory)
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let bytes = Data(bytes: data, count: size)
    guard FileManager.default.createFile(atPath: path, contents: bytes) else { return 0 }
    guard (try? StoreFileCheck.inspect(path: path)) != nil else {
        precondition(FileManager.default.contents(atPath: path) == bytes, "a refused store file was modified")
        return 0
    }
    if let store = try? ExperimentStore(path: path) {
        _ = try? store.runSummaries()
        _ = try? store.quickCheck()
    }
    return 0
}

/// libFuzzer drives this executable (see FuzzDriver).
@_cdecl("fuzz_store_file_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
