/// Upper bounds on what a config file may ask for, checked before anything is planned or allocated: a config is
/// untrusted input, and `nChannels: 1e9` must be a clear error rather than an allocation failure. The bounds sit far
/// above every published RANet/MSDNet setting (widths of 16-64, growth 6-32, factors up to 4, 4 scales, 1000
/// classes, 224-pixel inputs).
public enum ConfigLimits {
    /// Base channels of the first layer.
    public static let maxChannels = 1024
    /// Channels each layer adds.
    public static let maxGrowthRate = 512
    /// grFactor / bnFactor entries (per-scale width multipliers).
    public static let maxFactor = 16
    /// Scales per network (length of grFactor / scaleList entries).
    public static let maxScales = 8
    /// Blocks, layers per block step, base layers, block step.
    public static let maxBlocks = 64
    /// Classes of every exit (ImageNet-21k has 21,841).
    public static let maxClasses = 30_000
    /// Input channels.
    public static let maxInputChannels = 16
    /// Input height and width in pixels.
    public static let maxInputSide = 2048
    /// Parameters of the upper-bound estimate below (4 GB of float32 weights; training keeps three times that). It
    /// overstates real models (the ImageNet presets estimate at 0.2-0.5 billion), never understates them.
    public static let maxEstimatedParameters = 1_000_000_000

    /// Throws `ConfigError.invalid` naming the first field above its bound.
    static func check(_ fields: [(name: String, value: Int, limit: Int)]) throws {
        for field in fields where field.value > field.limit {
            throw ConfigError.invalid("\(field.name) (\(field.value)) is above the limit of \(field.limit)")
        }
    }

    /// A generous upper bound on the parameter count (every layer at the widest width of every scale, every exit
    /// reading the widest map), refused above `maxEstimatedParameters`. `growingLayers` is how many layers' growth a
    /// width can accumulate (all of them, or fewer where transitions shrink it). Computed in Double: bounded fields
    /// can still multiply past Int.max.
    static func checkEstimate(
        layers: Int, growingLayers: Int, scales: Int, nChannels: Int, growthRate: Int, maxGrFactor: Int,
        maxBnFactor: Int, exits: Int, classes: Int
    ) throws {
        let widest = (Double(nChannels) + Double(growingLayers) * Double(growthRate)) * Double(maxGrFactor)
        let bottleneck = Double(growthRate) * Double(maxBnFactor)
        let perLayer = widest * bottleneck + 9 * bottleneck * Double(growthRate) * Double(maxGrFactor)
        let classifier = 2 * 9 * widest * widest + widest * Double(classes)
        let estimate = Double(layers) * Double(scales) * perLayer + Double(exits) * classifier
        guard estimate <= Double(maxEstimatedParameters) else {
            throw ConfigError.invalid(
                "the config asks for up to about \(Int(min(estimate, 1e15)) / 1_000_000) million parameters, above "
                    + "the limit of \(maxEstimatedParameters / 1_000_000) million (use fewer channels, layers or classes)"
            )
        }
    }
}
