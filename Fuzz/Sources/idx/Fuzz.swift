import Foundation
import FuzzDriver

@testable import Datasets

/// Any bytes as an IDX file of rank 1 or 3 (labels or images), then as an image file with its labels.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for rank in [1, 3] {
        if let array = try? parseIDX(bytes, path: "fuzz.idx", expectedRank: rank), rank == 3 {
            let count = array.dimensions[0]
            guard count <= array.data.count else { continue }
            _ = try? Dataset(
                images: Array(array.data), labels: [Int32](repeating: 0, count: count), classNames: ["a", "b"],
                channels: 1, height: array.dimensions[1], width: array.dimensions[2])
        }
    }
    return 0
}

/// libFuzzer drives this executable (see FuzzDriver).
@_cdecl("fuzz_idx_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
