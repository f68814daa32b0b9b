import Foundation
import TestSupport
import Testing

/// `ranet eval`, `sweep`, `infer` and `bench-exit` end to end on the tiny trained run of `AdaptiveFixture`.
@Suite struct AdaptiveCommandTests {
    func numbers(_ value: Any?) -> [Double] { (value as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } ?? [] }

    @Test func evalJSONHasTheIssueShape() throws {
        let eval = try AdaptiveFixture.get().evalJSON
        #expect(eval["run"] as? Int == 1 && eval["split"] as? String == "test")
        let exits = try #require(eval["exits"] as? [[String: Any]])
        #expect(exits.map { $0["exit"] as? Int } == [0, 1, 2])
        #expect(exits.map { $0["subnetwork"] as? Int } == [0, 1, 1])
        let flops = exits.compactMap { $0["cumulativeFlops"] as? Int }
        #expect(flops.count == 3 && flops == flops.sorted() && flops[0] > 0)
        #expect(exits.allSatisfy { (0...1).contains($0["accuracy"] as? Double ?? -1) })
        let budget = try #require(eval["budget"] as? [[String: Any]])
        #expect(budget.count == 39)
        for point in budget {
            #expect(point["p"] is Double && (0...1).contains(point["accuracy"] as? Double ?? -1))
            let average = point["averageFlops"] as? Double ?? 0
            #expect(average >= Double(flops[0]) && average <= Double(flops[2]))
            let thresholds = try #require(point["thresholds"] as? [Any])
            #expect(thresholds.count == 3 && thresholds[2] is NSNull)
        }
    }

    @Test func evalSplitAcrossThreadsGivesTheSameRecords() throws {
        // One engine thread evaluates whole batches; three split each batch of 7 into parts of 2, 2 and 3 (the last
        // batch of 3 into single images), one thread each. Accuracies and every budget point (which depend on each
        // sample's exit statistics) must agree.
        let fixture = try AdaptiveFixture.get()
        func eval(threads: String) throws -> [String: Any] {
            let result = try CLI.run([
                "eval", "--run", "1", "--split", "both", "--batch-size", "7", "--images", "0", "--threads", threads,
                "--store", fixture.store, "--json",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        }
        let whole = try eval(threads: "1")
        let split = try eval(threads: "3")
        #expect(whole["threads"] as? Int == 1 && split["threads"] as? Int == 3)
        let accuracies = { (o: [String: Any]) in
            (o["exits"] as? [[String: Any]] ?? []).map { $0["accuracy"] as? Double ?? -1 }
        }
        #expect(accuracies(whole).count == 3 && accuracies(whole) == accuracies(split))
        let points = { (o: [String: Any]) in
            (o["budget"] as? [[String: Any]] ?? []).map {
                [$0["accuracy"] as? Double ?? -1, $0["averageFlops"] as? Double ?? -1]
            }
        }
        #expect(points(whole).count == 39)
        for (a, b) in zip(points(whole), points(split)) {
            #expect(a[0] == b[0] && abs(a[1] - b[1]) <= 1e-6 * a[1])
        }
    }

    @Test func sweepReplaysStoredRecords() throws {
        let fixture = try AdaptiveFixture.get()
        let exits = try #require(fixture.evalJSON["exits"] as? [[String: Any]])
        // Threshold 0: everyone leaves at the first exit, so the numbers are exactly the first exit's.
        let first = try fixture.json(["sweep", "--run", "1", "--threshold", "0"])
        #expect(Set(first.keys).isSuperset(of: ["policy", "accuracy", "averageFlops", "exitShare", "thresholds"]))
        #expect(numbers(first["exitShare"]) == [1, 0, 0])
        #expect(first["averageFlops"] as? Double == Double(exits[0]["cumulativeFlops"] as? Int ?? -1))
        #expect(first["accuracy"] as? Double == exits[0]["accuracy"] as? Double)

        let flops = exits.compactMap { $0["cumulativeFlops"] as? Int }.map(Double.init)
        let target = (flops[0] + flops[2]) / 2
        let budget = try fixture.json(["sweep", "--run", "1", "--budget", String(target / 1e6), "--policy", "margin"])
        #expect(budget["policy"] as? String == "margin" && abs((budget["budget"] as? Double ?? 0) - target) < 1)
        let shares = numbers(budget["exitShare"])
        #expect(shares.count == 3 && abs(shares.reduce(0, +) - 1) < 1e-9)
        let average = zip(shares, flops).map { $0 * $1 }.reduce(0, +)
        #expect(abs(average - (budget["averageFlops"] as? Double ?? 0)) < 1e-3 * flops[2])
        #expect((budget["thresholds"] as? [Any])?.count == 3)

        let sweep = try fixture.json(["sweep", "--run", "1", "--policy", "entropy", "--steps", "5"])
        let points = try #require(sweep["sweep"] as? [[String: Any]])
        #expect(points.count == 5)
        // Entropy: threshold 0 lets (almost) nobody out early, ln(classes) everyone; FLOPs fall as it grows.
        let averages = points.compactMap { $0["averageFlops"] as? Double }
        #expect(averages == averages.sorted(by: >) && averages.last == flops[0])
    }

    @Test func sweepRefusesBadRules() throws {
        let fixture = try AdaptiveFixture.get()
        let flops = try #require(fixture.evalJSON["exits"] as? [[String: Any]]).compactMap {
            $0["cumulativeFlops"] as? Int
        }
        let cases: [([String], [String])] = [
            (["--threshold", "1.5"], ["maxprob threshold 1.5", "outside its valid range"]),
            (["--policy", "entropy", "--threshold", "2"], ["entropy threshold 2", "1.38"]),
            (["--threshold", "0.5,2,0.1"], ["exit 1"]),
            (["--threshold", "0.5,0.5,0.5,0.5"], ["4 given"]),
            (["--budget", String(Double(flops[0]) / 2e6)], ["below the first exit"]),
            (["--budget", String(Double(flops[2]) * 2 / 1e6)], ["above the last exit"]),
            (["--budget", "1", "--threshold", "0.5"], ["not both"]),
            (["--threshold", "high"], ["threshold"]),
        ]
        for (arguments, fragments) in cases {
            let result = try fixture.ranet(["sweep", "--run", "1"] + arguments)
            #expect(result.status != 0, "\(arguments) was accepted")
            for fragment in fragments { #expect(result.stderr.contains(fragment), "\(arguments): \(result.stderr)") }
        }
        let noRun = try fixture.ranet(["sweep", "--run", "7"])
        #expect(noRun.status != 0 && noRun.stderr.contains("no run 7"))
    }
}
