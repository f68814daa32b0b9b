extension MSDNetConfig {
    /// Named configurations: the golden reference configs plus the README's ImageNet model (names distinct from
    /// RANet's presets, so one name space serves both architectures).
    public static let presets: [String: MSDNetConfig] = [
        "cifar100-anytime": cifar(nBlocks: 7, stepMode: "even", step: 2, base: 4, classes: 100, input: [3, 32, 32]),
        "cifar100-budgeted": cifar(
            nBlocks: 5, stepMode: "linGrow", step: 1, base: 1, classes: 100, input: [3, 32, 32]),
        "cifar10-anytime": cifar(nBlocks: 7, stepMode: "even", step: 2, base: 4, classes: 10, input: [3, 32, 32]),
        "fmnist-msdnet": cifar(nBlocks: 5, stepMode: "even", step: 2, base: 2, classes: 10, input: [1, 28, 28]),
        "imagenet-msdnet": MSDNetConfig(
            nBlocks: 5, stepMode: "even", step: 4, base: 4, nChannels: 32, growthRate: 16,
            grFactor: [1, 2, 4, 4], bnFactor: [1, 2, 4, 4], classes: 1000, stem: "imagenet",
            input: [3, 224, 224]),
    ]

    /// The README's CIFAR settings: nChannels 16, growthRate 6, three scales with factors 1-2-4.
    private static func cifar(
        nBlocks: Int, stepMode: String, step: Int, base: Int, classes: Int, input: [Int]
    ) -> MSDNetConfig {
        MSDNetConfig(
            nBlocks: nBlocks, stepMode: stepMode, step: step, base: base, nChannels: 16, growthRate: 6,
            grFactor: [1, 2, 4], bnFactor: [1, 2, 4], classes: classes, input: input)
    }
}
