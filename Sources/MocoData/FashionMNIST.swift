import Foundation
import MocoTensor

/// Fashion-MNIST from Debian's `dataset-fashion-mnist` package.
public enum FashionMNIST {
    public static let directory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
    ]

    /// The 60,000 training and 10,000 test images, `[N, 1, 28, 28]` in `[0, 1]`.
    public static func load(from directory: URL = directory) throws -> (train: LabeledImages, test: LabeledImages) {
        func file(_ stem: String) throws -> URL {
            guard let url = IDX.file(stem, in: directory) else {
                throw DataError(
                    file: directory.appendingPathComponent(stem + ".gz").path,
                    "not found; install Fashion-MNIST with: apt-get install dataset-fashion-mnist")
            }
            return url
        }
        return (
            try IDX.load(
                images: file("train-images-idx3-ubyte"), labels: file("train-labels-idx1-ubyte"), classes: classNames),
            try IDX.load(
                images: file("t10k-images-idx3-ubyte"), labels: file("t10k-labels-idx1-ubyte"), classes: classNames)
        )
    }
}
