/// Short class names, in label order, that fit the dashboard's 10-column class fields (the datasets' own names,
/// such as "Ankle boot" or "automobile", are longer).
public enum ClassLabels {
    /// Fashion-MNIST's ten garment classes.
    public static let fashionMNIST = [
        "T-shirt", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Boot",
    ]
    /// CIFAR-10's ten classes.
    public static let cifar10 = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    /// MNIST's ten digits.
    public static let mnist = (0..<10).map(String.init)

    /// The labels of a dataset by the name a run records; empty for a dataset without built-in names.
    public static func forDataset(_ dataset: String) -> [String] {
        switch dataset.lowercased() {
        case "fashion-mnist", "fmnist", "fashion_mnist": fashionMNIST
        case "cifar10", "cifar-10": cifar10
        case "mnist": mnist
        default: []
        }
    }
}
