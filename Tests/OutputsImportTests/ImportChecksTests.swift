import ExitPolicies
import NumericArrays
import OutputsImport
import Testing

/// The checks `ranet import-logits` runs on external outputs before anything is stored.
@Suite struct ImportChecksTests {
    static func outputs(_ shape: [Int], _ values: [Float]) -> NumericArray {
        NumericArray(shape: shape, values: values, source: "out.npy")
    }

    static func labels(_ values: [Float], shape: [Int]? = nil) -> NumericArray {
        NumericArray(shape: shape ?? [values.count], values: values, source: "labels.npy")
    }

    static func split(
        _ array: NumericArray, _ labels: NumericArray, declared: String? = nil, kind: ImportedSplit.Kind = .auto
    ) throws -> ImportedSplit {
        try ImportedSplit(
            name: "test", path: "/x/out.npy", outputs: array, labels: labels, declaredKind: declared, metadata: [:],
            kind: kind)
    }

    static func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch { return "\(error)" }
    }

    /// Two exits, two samples, two classes of logits.
    static let logits = outputs([2, 2, 2], [2, 0, 1, 0, 3, 0, 0, 4])

    @Test func goodLogitsBecomeExitOutputs() throws {
        let split = try Self.split(Self.logits, Self.labels([0, 1]))
        #expect(split.kind == "logits")
        #expect(split.outputs.exitCount == 2)
        #expect(split.outputs.sampleCount == 2)
        #expect(split.outputs.exitAccuracies == [0.5, 1])
        #expect(try Self.split(Self.logits, Self.labels([0, 1], shape: [2, 1])).outputs.sampleCount == 2)
    }

    @Test func badOutputsAreRefused() {
        #expect(
            Self.message { _ = try ImportedSplit.checkOutputs(Self.outputs([4, 2], Array(repeating: 0, count: 8))) }
                .contains("expected [exits, samples, classes]"))
        #expect(
            Self.message { _ = try ImportedSplit.checkOutputs(Self.outputs([1, 2, 2], [0, 0, .nan, 0])) }
                == "out.npy: value at exit 0, sample 1, class 0 is nan (NaN or infinite); nothing was imported")
    }

    @Test func badLabelsAreRefused() {
        #expect(
            Self.message { _ = try Self.split(Self.logits, Self.labels([0, 1, 1])) }.contains("labels have shape [3]"))
        #expect(
            Self.message { _ = try Self.split(Self.logits, Self.labels([0, 2])) }
                == "labels.npy: label of sample 1 is 2.0; expected an integer class in 0..<2")
        #expect(Self.message { _ = try Self.split(Self.logits, Self.labels([0.5, 1])) }.contains("sample 0 is 0.5"))
    }

    @Test func kindIsToldDeclaredOrDetected() throws {
        let rows = Self.outputs([1, 2, 2], [0.25, 0.75, 1, 0])
        #expect(try Self.split(rows, Self.labels([1, 0])).kind == "probabilities")
        #expect(try Self.split(rows, Self.labels([1, 0]), kind: .logits).kind == "logits")
        #expect(try Self.split(rows, Self.labels([1, 0]), declared: "logits").kind == "logits")
        #expect(try Self.split(Self.logits, Self.labels([0, 1])).kind == "logits")
        #expect(
            Self.message { _ = try Self.split(rows, Self.labels([1, 0]), declared: "scores") }
                .contains("metadata kind 'scores' is neither logits nor probabilities"))
    }

    @Test func countListsTakeSuffixesAndRefuseJunk() throws {
        #expect(
            try CountList.parse("100, 1.5K,2M,1e9,0.5G", option: "--flops") == [
                100, 1500, 2_000_000, 1_000_000_000, 500_000_000,
            ])
        #expect(throws: ImportError("--flops: 'x' is not a count (examples: 15814410, 15.8M, 1.2e9)")) {
            try CountList.parse("1,x", option: "--flops")
        }
        #expect(throws: ImportError.self) { try CountList.parse("-5", option: "--params") }
    }

    @Test func planChecksExitCountsAgainstFlopsAndParams() throws {
        let test = try Self.split(Self.logits, Self.labels([0, 1]))
        func plan(flops: [Int64], params: [Int64]) -> LogitsImport {
            LogitsImport(runName: "r", architecture: "a", dataset: "d", splits: [test], flops: flops, params: params)
        }
        #expect(try plan(flops: [100, 300], params: [0, 0]).budgetCurves().isEmpty)
        #expect(
            Self.message { _ = try plan(flops: [100], params: [0, 0]).budgetCurves() }.contains(
                "has 2 exits but --flops gives 1"))
        #expect(
            Self.message { _ = try plan(flops: [100, 300], params: [0]).budgetCurves() }
                == "--params has 1 values for 2 exits")
        #expect(
            Self.message { _ = try plan(flops: [300, 100], params: [0, 0]).budgetCurves() }.hasPrefix("--flops: "))
    }
}
