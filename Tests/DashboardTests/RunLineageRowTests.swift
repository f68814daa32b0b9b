import Dashboard
import ExperimentRecords
import Testing

@testable import Dashboard

/// A run trained from another (IMTA stage 2) shows its parent in the run list.
@Suite struct RunLineageRowTests {
    func summary(parent: Int64?) -> RunSummary {
        var run = RunRecord(id: 7, name: "fmnist-msdnet IMTA", architecture: "msdnet", dataset: "fashion-mnist")
        run.parentRunID = parent
        return RunSummary(run: run, bestLastExitAccuracy: nil, lastExitFLOPs: nil, stepCount: 0)
    }

    @Test func parentPrecedesTheName() {
        #expect(RunsView.row(summary(parent: 3), wide: true).contains("↳3 fmnist-msdnet IMTA"))
        #expect(RunsView.row(summary(parent: 3), wide: true, ascii: true).contains("<-3 fmnist-msdnet IMTA"))
        #expect(RunsView.row(summary(parent: nil), wide: true).contains(" fmnist-msdnet IMTA"))
        #expect(!RunsView.row(summary(parent: nil), wide: true).contains("↳"))
    }
}
