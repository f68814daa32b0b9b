import Foundation
import FuzzDriver

@testable import Datasets

/// Any bytes as a gzip stream holding an IDX file: inflation stops where the header says the data ends.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for rank in [1, 3] {
        if let inflated = try? gunzip(path: "fuzz.gz", bytes: bytes, needed: { idxFileSize(header: $0, rank: rank) }) {
            _ = try? parseIDX(inflated, path: "fuzz.gz", expectedRank: rank)
        }
    }
    return 0
}

/// libFuzzer drives this executable (see FuzzDriver).
@_cdecl("fuzz_idx_gzip_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
