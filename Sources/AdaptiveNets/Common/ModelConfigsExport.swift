/// The configurations a network is built from live in the engine-free ModelConfigs target (so the dashboard can read
/// them without linking the engine); whoever imports AdaptiveNets sees them too.
@_exported import ModelConfigs
