import ExperimentRecords
import Testing

@Suite struct ExampleSamplesTests {
    /// One evaluated sample: dataset index, true class, prediction per exit, first exit's max probability.
    struct Row {
        var index: Int32
        var label: Int32
        var predicted: [Int32]
        var confidence: Float
    }

    /// The rows as an exit-major table (later exits' max probabilities are irrelevant to the choice: 0.5).
    func table(_ rows: [Row]) -> SampleTable {
        let exits = rows.first?.predicted.count ?? 0
        let exitMajor = { (value: (Row, Int) -> Float) in (0..<exits).flatMap { e in rows.map { value($0, e) } } }
        return SampleTable(
            exitCount: exits, sampleIndices: rows.map(\.index), labels: rows.map(\.label),
            maxProb: exitMajor { row, exit in exit == 0 ? row.confidence : 0.5 },
            entropy: exitMajor { _, _ in 0 }, margin: exitMajor { _, _ in 0 },
            predicted: (0..<exits).flatMap { e in rows.map { $0.predicted[e] } })
    }

    @Test func easyIsRightEverywhereMostConfidentFirst() {
        let samples = table([
            Row(index: 10, label: 0, predicted: [0, 0, 0], confidence: 0.7),
            Row(index: 11, label: 1, predicted: [1, 1, 1], confidence: 0.9),
            Row(index: 12, label: 2, predicted: [2, 1, 2], confidence: 0.99),  // wrong at a middle exit
            Row(index: 13, label: 3, predicted: [3, 3, 0], confidence: 0.98),  // wrong at the last exit
            Row(index: 14, label: 4, predicted: [4, 4, 4], confidence: 0.8),
            Row(index: 15, label: 5, predicted: [0, 5, 5], confidence: 0.1),  // hard
        ])
        let easy = samples.examples(.easy, limit: 3)
        #expect(easy.map(\.sampleIndex) == [11, 14, 10])
        #expect(easy.allSatisfy { $0.kind == .easy && $0.firstCorrectExit == 0 })
        #expect(easy.map(\.firstExitConfidence) == [0.9, 0.8, 0.7])
        #expect(easy[0].label == 1 && easy[0].predicted == [1, 1, 1] && easy[0].maxProb == [0.9, 0.5, 0.5])
    }

    @Test func hardIsWrongFirstRightLastLeastConfidentFirst() {
        let samples = table([
            Row(index: 0, label: 0, predicted: [1, 0, 0], confidence: 0.6),
            Row(index: 1, label: 1, predicted: [0, 0, 1], confidence: 0.3),
            Row(index: 2, label: 2, predicted: [0, 2, 0], confidence: 0.1),  // wrong at the last exit
            Row(index: 3, label: 3, predicted: [3, 0, 3], confidence: 0.2),  // right at the first exit
            Row(index: 4, label: 4, predicted: [0, 0, 0], confidence: 0.05),  // wrong everywhere
            Row(index: 5, label: 5, predicted: [5, 5, 5], confidence: 0.4),  // easy
        ])
        let hard = samples.examples(.hard, limit: 3)
        #expect(hard.map(\.sampleIndex) == [1, 0])
        #expect(hard.map(\.firstCorrectExit) == [2, 1])
        #expect(hard.allSatisfy { $0.kind == .hard })
    }

    @Test func equalConfidencesGoByDatasetIndex() {
        let samples = table([
            Row(index: 40, label: 0, predicted: [0, 0], confidence: 0.5),
            Row(index: 7, label: 1, predicted: [1, 1], confidence: 0.5),
            Row(index: 22, label: 2, predicted: [2, 2], confidence: 0.5),
            Row(index: 30, label: 0, predicted: [1, 0], confidence: 0.5),
            Row(index: 3, label: 1, predicted: [0, 1], confidence: 0.5),
        ])
        #expect(samples.examples(.easy, limit: 3).map(\.sampleIndex) == [7, 22, 40])
        #expect(samples.examples(.hard, limit: 3).map(\.sampleIndex) == [3, 30])
    }

    @Test func everyClassGetsOneBeforeAnyGetsTwo() {
        let samples = table([
            Row(index: 0, label: 0, predicted: [0, 0], confidence: 0.99),
            Row(index: 1, label: 0, predicted: [0, 0], confidence: 0.98),
            Row(index: 2, label: 0, predicted: [0, 0], confidence: 0.97),
            Row(index: 3, label: 1, predicted: [1, 1], confidence: 0.6),
            Row(index: 4, label: 2, predicted: [2, 2], confidence: 0.9),
            Row(index: 5, label: 1, predicted: [1, 1], confidence: 0.5),
        ])
        #expect(samples.examples(.easy, limit: 2).map(\.sampleIndex) == [0, 4])
        #expect(samples.examples(.easy, limit: 3).map(\.sampleIndex) == [0, 4, 3])
        // Second round in confidence order, then the third.
        #expect(samples.examples(.easy, limit: 6).map(\.sampleIndex) == [0, 4, 3, 1, 5, 2])
    }

    @Test func fewerCandidatesGiveFewerExamples() {
        let samples = table([
            Row(index: 0, label: 0, predicted: [0, 0], confidence: 0.9),
            Row(index: 1, label: 1, predicted: [0, 1], confidence: 0.4),
            Row(index: 2, label: 1, predicted: [0, 0], confidence: 0.3),
        ])
        #expect(samples.examples(.easy, limit: 3).map(\.sampleIndex) == [0])
        #expect(samples.examples(.hard, limit: 3).map(\.sampleIndex) == [1])
        #expect(samples.examples(.easy, limit: 0).isEmpty)
        #expect(table([]).examples(.easy, limit: 3).isEmpty)
        // With one exit nothing can be wrong first and right last.
        let oneExit = table([Row(index: 0, label: 0, predicted: [0], confidence: 0.9)])
        #expect(oneExit.examples(.hard, limit: 3).isEmpty && oneExit.examples(.easy, limit: 3).count == 1)
    }

    @Test func fileNamesCarryKindSplitIndexAndClassSlug() {
        let example = ExampleSample(
            kind: .hard, sampleIndex: 42, label: 0, predicted: [1, 1, 0], maxProb: [0.3, 0.4, 0.5])
        #expect(example.fileName(split: "test", className: "T-shirt/top") == "hard-test-42-t-shirt-top.png")
        #expect(ExampleSample.slug("Ankle boot") == "ankle-boot")
        #expect(ExampleSample.slug("aquarium_fish") == "aquarium-fish")
        #expect(ExampleSample.slug("class 3") == "class-3")
        #expect(ExampleSample.slug(" Caf\u{e9} (2) ") == "caf-2")
        #expect(ExampleSample.slug("??") == "class")
    }
}
