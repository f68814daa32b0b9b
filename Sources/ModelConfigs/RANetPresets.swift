extension RANetConfig {
    /// Named configurations: the golden reference configs plus the README's ImageNet model.
    public static let presets: [String: RANetConfig] = [
        "cifar10-paper": cifarPaper,
        "cifar10-readme": RANetConfig(
            nChannels: 16, growthRate: 6, grFactor: [4, 2, 1], bnFactor: [4, 2, 1],
            scaleList: [1, 2, 3], nBlocks: 2, blockStep: 2, step: 2, stepMode: "lg",
            classes: 10, input: [3, 32, 32]),
        "cifar100-paper": cifarPaper.with(classes: 100),
        "fmnist-small": RANetConfig(
            nChannels: 16, growthRate: 6, grFactor: [4, 2, 1], bnFactor: [4, 2, 1],
            scaleList: [1, 2, 3], nBlocks: 2, blockStep: 2, step: 2, stepMode: "even",
            classes: 10, input: [1, 28, 28]),
        "imagenet-readme": RANetConfig(
            nChannels: 32, growthRate: 16, grFactor: [4, 2, 2, 1], bnFactor: [4, 2, 2, 1],
            scaleList: [1, 2, 3, 4], nBlocks: 2, blockStep: 2, step: 8, stepMode: "even",
            classes: 1000, stem: "imagenet", input: [3, 224, 224]),
    ]

    /// The paper's CIFAR model (four scales, "even" steps); CIFAR-100 changes only the classifier width.
    static let cifarPaper = RANetConfig(
        nChannels: 16, growthRate: 6, grFactor: [4, 2, 1, 1], bnFactor: [4, 2, 1, 1],
        scaleList: [1, 2, 3, 3], nBlocks: 2, blockStep: 2, step: 4, stepMode: "even",
        classes: 10, input: [3, 32, 32])

    /// This configuration with another number of classes.
    func with(classes: Int) -> RANetConfig {
        var config = self
        config.classes = classes
        return config
    }
}
