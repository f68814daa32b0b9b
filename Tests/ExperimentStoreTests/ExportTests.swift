import ExperimentRecords
import Foundation
import Testing

@testable import ExperimentStore

@Suite struct ExportTests {
    private func populatedStore(_ directory: TemporaryDirectory) throws -> (ExperimentStore, Int64) {
        let store = try ExperimentStore(path: directory.file("store.sqlite"))
        let runID = try store.createRun(sampleRun())
        try store.appendStepMetrics([
            StepMetric(
                runID: runID, step: 10, epoch: 0, exitLosses: [2, 1.5, 1], totalLoss: 4.5, learningRate: 0.1,
                imagesPerSecond: 250, wallTime: 3.5)
        ])
        try store.appendEpochMetrics([
            EpochMetric(
                runID: runID, epoch: 0, validationLoss: [1, 0.5, 0.25],
                validationAccuracy: [0.5, 0.75, 0.875], wallTime: 9)
        ])
        let evaluationID = try store.addEvaluation(sampleEvaluation(runID: runID))
        try store.appendSamples(evaluationID: evaluationID, [sampleRecord(index: 3, exits: 3)])
        return (store, runID)
    }

    @Test func csvExportsHaveHeadersAndOneLinePerRecord() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (store, runID) = try populatedStore(directory)
        #expect(
            try store.export(runID: runID, content: .metrics, format: .csv) == """
                run_id,step,epoch,total_loss,learning_rate,images_per_second,wall_time,loss_exit1,loss_exit2,loss_exit3
                \(runID),10,0,4.5,0.1,250.0,3.5,2.0,1.5,1.0

                """)
        #expect(
            try store.export(runID: runID, content: .epochs, format: .csv).split(separator: "\n")[1]
                == "\(runID),0,9.0,1.0,0.5,0.25,0.5,0.75,0.875")
        let evaluations = try store.export(runID: runID, content: .evaluations, format: .csv).split(separator: "\n")
        #expect(evaluations.count == 4)
        #expect(evaluations[3].hasSuffix(",test,3,9000000000,90000,0.9125"))
        let samples = try store.export(runID: runID, content: .samples, format: .csv).split(separator: "\n")
        #expect(samples[0].hasPrefix("sample_index,label,predicted_exit1,max_prob_exit1,entropy_exit1,margin_exit1"))
        #expect(samples[1].hasPrefix("3,3,3,0.03,0.375,0.03,4,0.031,1.375,0.02,5,"))
    }

    @Test func jsonExportsDecodeBackToTheRecords() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (store, runID) = try populatedStore(directory)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let steps = try decoder.decode(
            [StepMetric].self, from: Data(try store.export(runID: runID, content: .metrics, format: .json).utf8))
        #expect(steps == (try store.stepMetrics(runID: runID)))
        let samples = try decoder.decode(
            [SampleRecord].self, from: Data(try store.export(runID: runID, content: .samples, format: .json).utf8))
        #expect(samples == [sampleRecord(index: 3, exits: 3)])
        #expect(throws: StoreError.notFound("run 77 in \(store.path)")) {
            try store.export(runID: 77, content: .metrics, format: .csv)
        }
    }

    @Test func runListShowsBestLastExitAccuracyAndFLOPs() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (store, runID) = try populatedStore(directory)
        let summaries = try store.runSummaries()
        #expect(summaries.count == 1)
        #expect(summaries[0].bestLastExitAccuracy == 0.875 && summaries[0].lastExitFLOPs == 9_000_000_000)
        let table = RunListing.table(summaries).split(separator: "\n")
        #expect(table[0].hasPrefix("ID  NAME          STATUS   DATASET"))
        #expect(table[1].hasPrefix("\(runID)   fmnist-ranet  running  fashion-mnist  RANet  1/30    87.50%    9.0G"))
        let json = try JSONSerialization.jsonObject(with: Data(try RunListing.json(summaries).utf8)) as? [[String: Any]]
        #expect(json?.first?["id"] as? Int == Int(runID))
        #expect(json?.first?["name"] as? String == "fmnist-ranet")
        #expect(json?.first?["status"] as? String == "running")
    }
}
