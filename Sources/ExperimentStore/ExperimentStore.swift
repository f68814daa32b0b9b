// ExperimentStore module (see README.md for the module layout).
