import ExperimentRecords
import Foundation
import Testing

@testable import ExperimentStore

@Suite struct RoundTripTests {
    @Test func runRoundTripsEveryField() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ExperimentStore(path: directory.file("store.sqlite"))
        let original = sampleRun(createdAt: Date(timeIntervalSince1970: 1_780_000_000.5))
        let id = try store.createRun(original)
        var expected = original
        expected.id = id
        #expect(try store.storedRun(id: id) == expected)

        expected.status = .finished
        expected.epochsDone = 30
        expected.notes = "done"
        try store.updateRun(expected)
        try store.addCheckpoint(runID: id, path: directory.file("ckpt/epoch30.safetensors"))
        let reread = try #require(try store.storedRun(id: id))
        #expect(reread.status == .finished && reread.epochsDone == 30 && reread.notes == "done")
        #expect(reread.checkpointPaths == ["ckpt/epoch1.safetensors", "ckpt/epoch30.safetensors"])
        #expect(store.latestCheckpoint(of: reread) == directory.file("ckpt/epoch30.safetensors"))
        #expect(reread.seed == UInt64.max - 7)
    }

    @Test func stepAndEpochMetricsRoundTrip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ExperimentStore(path: directory.file("store.sqlite"))
        let runID = try store.createRun(sampleRun())
        let steps = (0..<25).map { (step: Int) -> StepMetric in
            let lastLoss = Float(step) * 0.1
            return StepMetric(
                runID: runID, step: step * 10, epoch: step / 10, exitLosses: [2.5, 1.25, lastLoss],
                totalLoss: 3.75 + lastLoss, learningRate: 0.1, imagesPerSecond: 812.5, wallTime: Double(step) * 1.5)
        }
        try store.appendStepMetrics(Array(steps[..<20]))
        try store.appendStepMetrics(Array(steps[20...]))
        #expect(try store.stepMetrics(runID: runID) == steps)
        #expect(try store.stepMetrics(runID: runID, afterStep: 200) == Array(steps[21...]))

        let epochs = [
            EpochMetric(
                runID: runID, epoch: 0, validationLoss: [1.5, 1.0, 0.75],
                validationAccuracy: [0.5, 0.625, 0.75], wallTime: 60),
            EpochMetric(
                runID: runID, epoch: 1, validationLoss: [1.25, 0.8, 0.5],
                validationAccuracy: [0.55, 0.7, 0.875], wallTime: 120),
        ]
        try store.appendEpochMetrics(epochs)
        #expect(try store.epochMetrics(runID: runID) == epochs)
    }

    @Test func reloggingAStepReplacesIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ExperimentStore(path: directory.file("store.sqlite"))
        let runID = try store.createRun(sampleRun())
        let first = StepMetric(
            runID: runID, step: 5, epoch: 0, exitLosses: [1], totalLoss: 1, learningRate: 0.1,
            imagesPerSecond: 1, wallTime: 1)
        var second = first
        second.totalLoss = 0.5
        try store.appendStepMetrics([first])
        try store.appendStepMetrics([second])
        #expect(try store.stepMetrics(runID: runID) == [second])
    }

    @Test func evaluationSamplesAndBudgetCurvesRoundTrip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ExperimentStore(path: directory.file("store.sqlite"))
        let runID = try store.createRun(sampleRun())
        let evaluationID = try store.addEvaluation(sampleEvaluation(runID: runID))
        var expectedEvaluation = sampleEvaluation(runID: runID)
        expectedEvaluation.id = evaluationID
        #expect(try store.evaluations(runID: runID) == [expectedEvaluation])
        #expect(try store.evaluation(id: evaluationID) == expectedEvaluation)

        let samples = (0..<40).map { sampleRecord(index: 1000 - $0 * 7, exits: 3, withImage: $0 % 2 == 0) }
        try store.appendSamples(evaluationID: evaluationID, samples)
        let table = try store.sampleTable(evaluationID: evaluationID)
        let sortedSamples = samples.sorted { $0.sampleIndex < $1.sampleIndex }
        #expect(table.sampleCount == 40 && table.exitCount == 3)
        for (row, sample) in sortedSamples.enumerated() {
            var withoutImage = sample
            withoutImage.image = nil
            #expect(table.record(at: row) == withoutImage)
            #expect(try store.sampleImage(evaluationID: evaluationID, sampleIndex: sample.sampleIndex) == sample.image)
        }
        // All images in one query, optionally only below a sample index.
        let images = try store.sampleImages(evaluationID: evaluationID)
        #expect(
            images.count == 20
                && images.allSatisfy { index, image in
                    samples.first { $0.sampleIndex == index }?.image == image
                })
        #expect(
            try store.sampleImages(evaluationID: evaluationID, indexLimit: 800).keys.sorted()
                == samples.filter { $0.image != nil && $0.sampleIndex < 800 }.map(\.sampleIndex).sorted())
        // Exit-major layout: the second exit's values of all samples are contiguous.
        let secondExit = table.maxProb[table.sampleCount..<(2 * table.sampleCount)]
        #expect(secondExit.elementsEqual(sortedSamples.map { $0.maxProb[1] }))

        let curve = BudgetCurve(
            evaluationID: evaluationID, policy: "geometric-p",
            points: [
                BudgetPoint(parameter: 0.25, thresholds: [0.9, 0.8, 0], expectedFLOPs: 2.5e6, accuracy: 0.9),
                BudgetPoint(parameter: 0.5, thresholds: [0.95, 0.7, 0], expectedFLOPs: 3.5e6, accuracy: 0.91),
            ],
            createdAt: Date(timeIntervalSince1970: 1_780_000_100))
        var expectedCurve = curve
        expectedCurve.id = try store.saveBudgetCurve(curve)
        #expect(try store.budgetCurves(evaluationID: evaluationID) == [expectedCurve])

        var replacement = curve
        replacement.points.removeLast()
        replacement.id = try store.saveBudgetCurve(replacement)
        #expect(try store.budgetCurves(evaluationID: evaluationID) == [replacement])
    }

    @Test func deletingARunRemovesAllItsRowsAndNoOthers() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ExperimentStore(path: directory.file("store.sqlite"))
        let doomed = try store.createRun(sampleRun(name: "doomed"))
        let kept = try store.createRun(sampleRun(name: "kept"))
        for runID in [doomed, kept] {
            try store.appendStepMetrics([
                StepMetric(
                    runID: runID, step: 1, epoch: 0, exitLosses: [1, 2, 3], totalLoss: 6, learningRate: 0.1,
                    imagesPerSecond: 1, wallTime: 1)
            ])
            try store.appendEpochMetrics([
                EpochMetric(
                    runID: runID, epoch: 0, validationLoss: [1, 1, 1],
                    validationAccuracy: [0.5, 0.6, 0.7])
            ])
            let evaluationID = try store.addEvaluation(sampleEvaluation(runID: runID))
            let samples = (0..<5).map { sampleRecord(index: $0, exits: 3, withImage: true) }
            try store.appendSamples(evaluationID: evaluationID, samples)
            try store.saveBudgetCurve(
                BudgetCurve(
                    evaluationID: evaluationID, policy: "p",
                    points: [
                        BudgetPoint(parameter: 1, thresholds: [0, 0, 0], expectedFLOPs: 1, accuracy: 1)
                    ]))
        }
        #expect(try store.deleteRun(id: doomed))
        #expect(try store.deleteRun(id: doomed) == false)
        let counts = try [
            "step_metrics", "epoch_metrics", "evaluations", "samples", "sample_images",
            "budget_curves", "budget_points", "runs",
        ].map { try store.rowCount(table: $0) }
        #expect(counts == [1, 1, 1, 5, 5, 1, 1, 1])
        #expect(try store.runs().map(\.name) == ["kept"])
    }

    @Test func staleRunningRunIsReportedInterrupted() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ExperimentStore(path: directory.file("store.sqlite"), staleHeartbeatInterval: 60)
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        let live = try store.createRun(sampleRun(name: "live", createdAt: start))
        let finished = try store.createRun(sampleRun(name: "done", status: .finished, createdAt: start))
        try store.heartbeat(runID: live, epochsDone: 3, at: start.addingTimeInterval(100))
        #expect(try store.run(id: live, now: start.addingTimeInterval(150))?.status == .running)
        #expect(try store.run(id: live, now: start.addingTimeInterval(161))?.status == .interrupted)
        #expect(try store.storedRun(id: live)?.status == .running)
        #expect(try store.run(id: live, now: start)?.epochsDone == 3)
        #expect(try store.runs(now: start.addingTimeInterval(1000)).map(\.status) == [.interrupted, .finished])
        #expect(try store.run(id: finished, now: start.addingTimeInterval(1000))?.status == .finished)
    }

    @Test func inconsistentRecordsAreRejectedWithClearErrors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ExperimentStore(path: directory.file("store.sqlite"))
        let runID = try store.createRun(sampleRun())
        var badEvaluation = sampleEvaluation(runID: runID)
        badEvaluation.exitAccuracy.removeLast()
        #expect(throws: StoreError.self) { try store.addEvaluation(badEvaluation) }
        let evaluationID = try store.addEvaluation(sampleEvaluation(runID: runID))
        let error = #expect(throws: StoreError.self) {
            try store.appendSamples(evaluationID: evaluationID, [sampleRecord(index: 0, exits: 4)])
        }
        #expect("\(error!)".contains("expected 3 exits"))
        #expect(try store.sampleCount(evaluationID: evaluationID) == 0)
        #expect(throws: StoreError.notFound("run 999")) {
            try store.appendStepMetrics([
                StepMetric(
                    runID: 999, step: 0, epoch: 0, exitLosses: [1], totalLoss: 1,
                    learningRate: 1, imagesPerSecond: 1, wallTime: 0)
            ])
        }
        #expect(try store.stepMetrics(runID: 999).isEmpty)
        #expect(throws: StoreError.notFound("evaluation 42")) { try store.sampleTable(evaluationID: 42) }
    }

    @Test func changeDetectorMovesOnlyWhenSomethingWasCommitted() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ExperimentStore(path: directory.file("store.sqlite"))
        let detector = try StoreChangeDetector(store: store)
        let initial = try detector.version()
        #expect(try detector.version() == initial)
        _ = try store.runs()
        #expect(try detector.version() == initial)
        let runID = try store.createRun(sampleRun())
        let afterCreate = try detector.version()
        #expect(afterCreate != initial)
        try store.heartbeat(runID: runID)
        #expect(try detector.version() != afterCreate)
    }
}
