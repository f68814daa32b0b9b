import ExperimentRecords
import Testing

@testable import Dashboard

@Suite struct TrainingEstimateTests {
    /// 12,000 images in batches of 64 = 188 steps per epoch, logged every 20 steps and at each epoch's last step,
    /// at exactly 0.5 s per step, with a 10 s validation after each epoch.
    func rows(upTo lastStep: Int) -> (steps: [StepMetric], validations: [EpochMetric]) {
        var steps: [StepMetric] = []
        var validations: [EpochMetric] = []
        var clock = 0.0
        var previous = 0
        for step in 1...lastStep {
            let epoch = (step - 1) / 188
            clock += 0.5
            if step % 20 == 0 || step % 188 == 0 || step == lastStep {
                steps.append(
                    stepRow(step: step, epoch: epoch, wallTime: clock, imagesPerSecond: 128))
                previous = step
            }
            if step % 188 == 0 {
                clock += 10
                if step < lastStep { validations.append(validation(epoch: epoch, wallTime: clock)) }
            }
        }
        _ = previous
        return (steps, validations)
    }

    /// A logged step with the fields the estimate reads (learning rate 0.1).
    func stepRow(step: Int, epoch: Int, wallTime: Double, imagesPerSecond: Float) -> StepMetric {
        StepMetric(
            runID: 1, step: step, epoch: epoch, exitLosses: [], totalLoss: 0, learningRate: 0.1,
            imagesPerSecond: imagesPerSecond, wallTime: wallTime)
    }

    /// A validation row: only its epoch and wall time matter to the estimate.
    func validation(epoch: Int, wallTime: Double) -> EpochMetric {
        EpochMetric(runID: 1, epoch: epoch, validationLoss: [], validationAccuracy: [], wallTime: wallTime)
    }

    @Test func positionAndEtaAreExact() throws {
        let (steps, validations) = rows(upTo: 300)
        let estimate = TrainingEstimate(
            steps: steps, validations: validations, trainSize: 12_000, batchSize: 64,
            epochsPlanned: 4, referenceTime: 1_000)
        let progress = try #require(estimate.progress)
        #expect(progress.epoch == 2 && progress.epochs == 4)
        #expect(progress.stepsPerEpoch == 188 && progress.stepInEpoch == 300 - 188)
        // 752 - 300 steps at 0.5 s, plus validations of epochs 2, 3 and 4 at 10 s each.
        let eta = try #require(progress.etaSeconds)
        #expect(abs(eta - (452 * 0.5 + 3 * 10)) < 1e-9)
        #expect(progress.etaReferenceTime == 1_000)
    }

    @Test func epochEndValidationGapIsNotCountedAsStepTime() throws {
        // The newest rows straddle an epoch end: its 10 s validation must not inflate the step rate.
        let (steps, validations) = rows(upTo: 200)
        let estimate = TrainingEstimate(
            steps: steps, validations: validations, trainSize: 12_000, batchSize: 64,
            epochsPlanned: 2, referenceTime: nil)
        #expect(estimate.secondsPerStep == 0.5 && estimate.validationSeconds == 10)
        #expect(try #require(estimate.progress?.etaSeconds) == 176 * 0.5 + 10)
    }

    @Test func aResumedProcessRestartingItsClockStillGivesARate() throws {
        var (steps, _) = rows(upTo: 100)
        // Resumed at step 100: the new process logs from wall time 0 again.
        steps += [
            stepRow(step: 120, epoch: 0, wallTime: 12, imagesPerSecond: 100),
            stepRow(step: 140, epoch: 0, wallTime: 24, imagesPerSecond: 100),
        ]
        let estimate = TrainingEstimate(
            steps: steps, validations: [], trainSize: 12_000, batchSize: 64, epochsPlanned: 1,
            referenceTime: nil)
        #expect(estimate.secondsPerStep == 0.6)
        #expect(TrainingEstimate.continuousWallTimes([5, 10, 2, 4]) == [5, 10, 12, 14])
    }

    @Test func lossSeriesPerExitFollowsResumes() {
        // A resumed process logs wall times from 0 again and, here, a row with one exit fewer.
        func row(_ step: Int, _ wallTime: Double, _ losses: [Float]) -> StepMetric {
            StepMetric(
                runID: 1, step: step, epoch: 0, exitLosses: losses, totalLoss: 0, learningRate: 0.1,
                imagesPerSecond: 1, wallTime: wallTime)
        }
        let series = StepSeries.perExit([row(10, 5, [2, 1]), row(20, 10, [1.5, 0.5]), row(30, 2, [1])])
        #expect(series.count == 2)
        #expect(series[0] == StepSeries(exit: 0, steps: [10, 20, 30], losses: [2, 1.5, 1], wallTimes: [5, 10, 12]))
        #expect(series[1] == StepSeries(exit: 1, steps: [10, 20], losses: [1, 0.5], wallTimes: [5, 10]))
        #expect(StepSeries.perExit([]).isEmpty)
    }

    @Test func withoutSizesOrRowsItDegradesGracefully() throws {
        #expect(
            TrainingEstimate(
                steps: [], validations: [], trainSize: 0, batchSize: nil, epochsPlanned: 3,
                referenceTime: nil
            ).progress == nil)
        let lone = [stepRow(step: 20, epoch: 0, wallTime: 10, imagesPerSecond: 128)]
        let first = try #require(
            TrainingEstimate(
                steps: lone, validations: [], trainSize: 12_000, batchSize: 64,
                epochsPlanned: 1, referenceTime: nil
            ).progress)
        #expect(first.etaSeconds == 168 * 0.5, "one row: the trainer's own images/s")
        let (steps, validations) = rows(upTo: 200)
        let unknownSizes = try #require(
            TrainingEstimate(
                steps: steps, validations: validations, trainSize: 0, batchSize: nil,
                epochsPlanned: 2, referenceTime: nil
            ).progress)
        #expect(unknownSizes.stepsPerEpoch == 188, "the first epoch's last logged step")
    }
}
