import Foundation

/// A RANet configuration; the JSON keys are those of the `config` objects in the golden tables.
public struct RANetConfig: Codable, Equatable, Sendable {
    public var arch: String?
    public var nChannels: Int
    public var growthRate: Int
    public var grFactor: [Int]
    public var bnFactor: [Int]
    public var scaleList: [Int]
    public var nBlocks: Int
    public var blockStep: Int
    public var step: Int
    public var stepMode: String
    public var compressFactor: Double
    public var reduction: Double
    public var classes: Int
    public var stem: String
    /// Input channels, height, width.
    public var input: [Int]

    public init(
        nChannels: Int, growthRate: Int, grFactor: [Int], bnFactor: [Int], scaleList: [Int], nBlocks: Int,
        blockStep: Int, step: Int, stepMode: String, compressFactor: Double = 0.25, reduction: Double = 0.5,
        classes: Int, stem: String = "cifar", input: [Int]
    ) {
        self.nChannels = nChannels
        self.growthRate = growthRate
        self.grFactor = grFactor
        self.bnFactor = bnFactor
        self.scaleList = scaleList
        self.nBlocks = nBlocks
        self.blockStep = blockStep
        self.step = step
        self.stepMode = stepMode
        self.compressFactor = compressFactor
        self.reduction = reduction
        self.classes = classes
        self.stem = stem
        self.input = input
    }

    /// Number of sub-networks (scale flows).
    public var subnetworks: Int { scaleList.count }
    /// Blocks of sub-network h: nBlocks + h*blockStep.
    public func blocks(_ h: Int) -> Int { h < 0 ? 0 : nBlocks + h * blockStep }
    /// Layers of block k (1-based): step for `even`, k*step for `lg`.
    public func layers(block k: Int) -> Int { stepMode == "lg" ? k * step : step }
    public var exitCount: Int { blocks(subnetworks - 1) }
    public var isImageNetStem: Bool { stem == "imagenet" }

    /// Checks every rule the builder relies on; the error says which field and why.
    public func validate() throws {
        func fail(_ m: String) -> ConfigError { ConfigError.invalid(m) }
        if let arch, arch.lowercased() != "ranet" { throw fail("arch is \"\(arch)\", expected \"ranet\"") }
        let S = scaleList.count
        guard S >= 1 else { throw fail("scaleList is empty") }
        guard grFactor.count == S, bnFactor.count == S else {
            throw fail("scaleList has \(S) entries but grFactor has \(grFactor.count) and bnFactor \(bnFactor.count)")
        }
        guard scaleList[0] >= 1, zip(scaleList, scaleList.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw fail("scaleList \(scaleList) must start at 1 or more and be non-decreasing")
        }
        guard nChannels > 0, growthRate > 0 else {
            throw fail("nChannels (\(nChannels)) and growthRate (\(growthRate)) must be positive")
        }
        guard grFactor.allSatisfy({ $0 > 0 }), bnFactor.allSatisfy({ $0 > 0 }) else {
            throw fail("grFactor \(grFactor) and bnFactor \(bnFactor) must be positive")
        }
        guard nBlocks >= 1, blockStep >= 0, step >= 1 else {
            throw fail(
                "nBlocks (\(nBlocks)) and step (\(step)) must be at least 1, blockStep (\(blockStep)) at least 0")
        }
        try ConfigLimits.check([
            ("nChannels", nChannels, ConfigLimits.maxChannels), ("growthRate", growthRate, ConfigLimits.maxGrowthRate),
            ("scaleList entries", S, ConfigLimits.maxScales),
            ("scaleList", scaleList.max() ?? 0, ConfigLimits.maxScales), ("nBlocks", nBlocks, ConfigLimits.maxBlocks),
            ("blockStep", blockStep, ConfigLimits.maxBlocks), ("step", step, ConfigLimits.maxBlocks),
            ("grFactor", grFactor.max() ?? 0, ConfigLimits.maxFactor),
            ("bnFactor", bnFactor.max() ?? 0, ConfigLimits.maxFactor),
            ("classes", classes, ConfigLimits.maxClasses),
        ])
        guard stepMode == "even" || stepMode == "lg" else {
            throw fail("stepMode \"\(stepMode)\" must be \"even\" or \"lg\"")
        }
        guard compressFactor > 0, compressFactor < 1, reduction > 0, reduction <= 1 else {
            throw fail("compressFactor (\(compressFactor)) must be in (0,1) and reduction (\(reduction)) in (0,1]")
        }
        guard classes >= 2 else { throw fail("classes (\(classes)) must be at least 2") }
        guard stem == "cifar" || stem == "imagenet" else {
            throw fail("stem \"\(stem)\" must be \"cifar\" or \"imagenet\"")
        }
        guard input.count == 3, input.allSatisfy({ $0 > 0 }) else {
            throw fail("input \(input) must be [channels, height, width]")
        }
        try ConfigLimits.check([
            ("input channels", input[0], ConfigLimits.maxInputChannels),
            ("input height", input[1], ConfigLimits.maxInputSide), ("input width", input[2], ConfigLimits.maxInputSide),
        ])
        let layerCount = (0..<S).reduce(0) { total, h in total + (1...blocks(h)).reduce(0) { $0 + layers(block: $1) } }
        // Each block ends in a transition keeping `reduction` of the width, so a width holds about
        // blockLayers / (1 - reduction) layers' growth.
        let blockLayers = (1...blocks(S - 1)).map { layers(block: $0) }.max() ?? 0
        let growing =
            reduction < 1 ? min(layerCount, Int((Double(blockLayers) / (1 - reduction)).rounded(.up))) : layerCount
        try ConfigLimits.checkEstimate(
            layers: layerCount, growingLayers: growing, scales: S, nChannels: nChannels, growthRate: growthRate,
            maxGrFactor: grFactor.max() ?? 1,
            maxBnFactor: bnFactor.max() ?? 1, exits: exitCount, classes: classes)
        for h in 1..<max(S, 1) where Int(Double(growthRate * grFactor[h]) * compressFactor) < 1 {
            throw fail(
                "growthRate*grFactor[\(h)] = \(growthRate * grFactor[h]) gives no channels from the coarser sub-network at compressFactor \(compressFactor)"
            )
        }
        // Sizes that do not fit the classifiers are caught by the builder's dry run (it knows every map size).
    }
}

/// A configuration that cannot be built.
public enum ConfigError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    case unknownPreset(String, available: [String])
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let m): return "invalid config: \(m)"
        case .unknownPreset(let name, let available):
            return
                "unknown preset \"\(name)\" (available: \(available.joined(separator: ", ")); or give a path to a config .json file)"
        case .unreadable(let path, let reason): return "cannot read config \(path): \(reason)"
        }
    }
}
