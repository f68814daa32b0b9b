import Foundation
import Testing

/// `ranet bench` runs every mode and reports what it ran.
@Suite struct BenchCommandTests {
    /// Batch-1 latency on two threads splits each large conv with the spinning helper thread; on one thread it does
    /// not. Both run to the end and report their setting.
    @Test(arguments: [1, 2])
    func latencyRunsOnOneAndTwoThreads(threads: Int) throws {
        let result = try CLI.run([
            "bench", "--preset", "cifar10-anytime", "--mode", "latency", "--threads", "\(threads)", "--seconds", "0.3",
            "--json",
        ])
        let object = try CLI.json(result) as? [String: Any] ?? [:]
        #expect(object["batchSize"] as? Int == 1)
        #expect(object["threads"] as? Int == threads)
        #expect((object["imagesPerSecond"] as? Double ?? 0) > 0, "\(object)")
    }
}
