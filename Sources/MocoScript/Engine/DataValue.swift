import MocoData
import MocoTensor

/// A dataset as scripts see it: either split into `.train` and `.test` parts, or one set of
/// labelled images (a part, a subset, an unsplit folder).
public final class DataValue {
    public let name: String
    /// The images of an unsplit set or a part; nil for a split dataset.
    public let images: LabeledImages?
    public let train: DataValue?
    public let test: DataValue?
    /// Files the data came from, for reports (path, size in bytes).
    public let files: [String]
    /// Where the images come from, for an export to PyTorch; nil for data built in memory.
    public internal(set) var origin: DataOrigin?

    init(name: String, images: LabeledImages, files: [String] = [], origin: DataOrigin? = nil) {
        (self.name, self.images, train, test, self.files, self.origin) = (name, images, nil, nil, files, origin)
    }

    /// A split dataset; `origin` is that of the whole (its parts' are derived), and `testOrigin` is given when the
    /// test part comes from elsewhere than `origin`'s "test" part.
    init(
        name: String, train: LabeledImages, test: LabeledImages, files: [String] = [], origin: DataOrigin? = nil,
        trainOrigin: DataOrigin? = nil, testOrigin: DataOrigin? = nil
    ) {
        self.name = name
        images = nil
        self.train = DataValue(name: name + ".train", images: train, origin: trainOrigin ?? origin?.part("train"))
        self.test = DataValue(name: name + ".test", images: test, origin: testOrigin ?? origin?.part("test"))
        self.files = files
        self.origin = origin
    }

    public var isSplit: Bool { images == nil }

    /// The labelled images of a part (a split dataset's train part otherwise).
    var labeled: LabeledImages { images ?? train!.images! }

    /// Number of images (both parts of a split dataset).
    public var count: Int { images?.count ?? (train!.count + test!.count) }
    public var classes: [String] { labeled.classes }
    /// `[C, H, W]`.
    public var imageShape: [Int] { Array(labeled.images.shape.dropFirst()) }

    var summary: String {
        let shape = imageShape.map(String.init).joined(separator: "x")
        let classes = "\(self.classes.count) class\(self.classes.count == 1 ? "" : "es")"
        if isSplit {
            return "dataset \(name): \(train!.count) train + \(test!.count) test images, \(shape), \(classes)"
        }
        return "images \(name): \(count) images, \(shape), \(classes)"
    }
}
