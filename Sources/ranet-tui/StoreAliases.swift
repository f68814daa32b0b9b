import ExperimentStore

// The store and the dashboard both name types RunSummary, SampleRecord, ...; this file imports only the store
// so these aliases pick the store's types unambiguously.
typealias StoreRunSummary = RunSummary
typealias StoreRunStatus = RunStatus
typealias StoreSampleTable = SampleTable
typealias StoreSampleImage = SampleImage
typealias StoreEvaluation = EvaluationRecord
typealias StoreStepMetric = StepMetric
typealias StoreEpochMetric = EpochMetric
typealias Store = ExperimentStore
