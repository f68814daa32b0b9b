// Shared test helpers: approximate comparison, gradient checks, fixture paths.
