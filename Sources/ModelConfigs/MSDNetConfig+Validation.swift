extension MSDNetConfig {
    /// Checks every rule the builder relies on, including the settings that crash the reference implementation
    /// (quirks Q1 and Q4 of vectors/MS/README.txt); the error says which field and why.
    public func validate() throws {
        func fail(_ m: String) -> ConfigError { ConfigError.invalid(m) }
        if let arch, arch.lowercased() != "msdnet" { throw fail("arch is \"\(arch)\", expected \"msdnet\"") }
        let S = scales
        guard S >= 1 else { throw fail("grFactor is empty (it sets the number of scales)") }
        guard bnFactor.count == S else {
            throw fail("grFactor has \(S) entries (one per scale) but bnFactor has \(bnFactor.count)")
        }
        guard grFactor.allSatisfy({ $0 > 0 }), bnFactor.allSatisfy({ $0 > 0 }) else {
            throw fail("grFactor \(grFactor) and bnFactor \(bnFactor) must be positive")
        }
        guard nChannels > 0, growthRate > 0 else {
            throw fail("nChannels (\(nChannels)) and growthRate (\(growthRate)) must be positive")
        }
        guard nBlocks >= 1, base >= 1, step >= 1 else {
            throw fail("nBlocks (\(nBlocks)), base (\(base)) and step (\(step)) must be at least 1")
        }
        try ConfigLimits.check([
            ("nChannels", nChannels, ConfigLimits.maxChannels), ("growthRate", growthRate, ConfigLimits.maxGrowthRate),
            ("scales (grFactor entries)", S, ConfigLimits.maxScales), ("nBlocks", nBlocks, ConfigLimits.maxBlocks),
            ("base", base, ConfigLimits.maxBlocks), ("step", step, ConfigLimits.maxBlocks),
            ("grFactor", grFactor.max() ?? 0, ConfigLimits.maxFactor),
            ("bnFactor", bnFactor.max() ?? 0, ConfigLimits.maxFactor),
            ("classes", classes, ConfigLimits.maxClasses),
        ])
        guard stepMode == "even" || stepMode == "linGrow" else {
            throw fail("stepMode \"\(stepMode)\" must be \"even\" or \"linGrow\"")
        }
        guard prune == "max" else {
            throw fail("prune \"\(prune)\" is not supported (only \"max\", the reference default)")
        }
        guard reduction >= 0, reduction <= 1 else { throw fail("reduction (\(reduction)) must be in [0, 1]") }
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
        try ConfigLimits.checkEstimate(
            layers: layersPerBlock.reduce(0, +), growingLayers: layersPerBlock.reduce(0, +), scales: S,
            nChannels: nChannels, growthRate: growthRate,
            maxGrFactor: grFactor.max() ?? 1, maxBnFactor: bnFactor.max() ?? 1, exits: nBlocks, classes: classes)
        // Q1: both branches of a down+normal unit get floor(g*grFactor[s]/2) channels while the next layer expects
        // g*grFactor[s], so an odd product crashes the reference with a channel mismatch.
        for s in 1..<max(S, 1) where (growthRate * grFactor[s]) % 2 != 0 {
            throw fail(
                "growthRate*grFactor[\(s)] = \(growthRate * grFactor[s]) is odd: the two branches of scale \(s) "
                    + "would get \(growthRate * grFactor[s] / 2) channels each and the reference crashes (quirk Q1)")
        }
        for (b, block) in plan().enumerated() {
            for layer in block where layer.transitionWidth == 0 {
                throw fail(
                    "reduction \(reduction) leaves no channels in the transition of block \(b) "
                        + "(floor(\(reduction) * \(layer.width + growthRate)) = 0)")
            }
        }
        try validateInputSize()
    }

    /// Q4: the classifier has no global pooling, so after its two stride-2 convs and AvgPool2d(2) the map must be
    /// exactly 1x1 or the Linear layer's input size is wrong.
    func validateInputSize() throws {
        func down(_ x: Int) -> Int { (x - 1) / 2 + 1 }  // 3x3 stride-2 pad-1 conv (also 7x7/s2/p3 and max-pool 3/2/1)
        for (axis, size) in [("height", input[1]), ("width", input[2])] {
            var coarsest = isImageNetStem ? down(down(size)) : size
            for _ in 1..<max(scales, 1) { coarsest = down(coarsest) }
            let beforePool = down(down(coarsest))
            let pooled = beforePool >= 2 ? (beforePool - 2) / 2 + 1 : 0
            guard pooled == 1 else {
                throw ConfigError.invalid(
                    "input \(axis) \(size) gives a coarsest scale of \(coarsest) pixels and a "
                        + "\(beforePool)-pixel map before the classifiers' AvgPool2d(2); they have no global pooling and need "
                        + "the coarsest scale to be 5...12 pixels (quirk Q4)")
            }
        }
    }
}
