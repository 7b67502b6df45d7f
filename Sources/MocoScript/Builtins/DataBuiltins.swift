import Foundation
import MocoData

/// Datasets: the bundled digits, Fashion-MNIST, MNIST-format IDX files, CIFAR-10 binaries and
/// image folders.
enum DataBuiltins {
    static let names = ["digits", "fashion-mnist", "mnist", "cifar10", "folder"]

    static let all: [Builtin] = [
        Builtin("dataset", [.required("name"), .optional("path"), .optional("size", .number(32)), .optional("channels", .number(3))], doc: Doc(
            """
            Loads a dataset. `"digits"`: the bundled 1,797 8x8 digits with the fixed 1,347/450 split. \
            `"fashion-mnist"`: from Debian's dataset-fashion-mnist package (or `path`). `"mnist"`: the four \
            MNIST-format IDX files (gzipped or not) in `path`. `"cifar10"`: the binary batches in `path`. \
            `"folder"`: PNG/JPEG images under `path` (one sub-folder per class, or unlabeled), resized to \
            `size` with `channels` 1 or 3; split it with `.split(test: 0.2)`.
            """,
            example: #"let data = dataset("digits")"#)) { args in
            let name = try args.string("name")
            let path = try args.optionalString("path").map { args.interpreter.resolvePath($0) }
            func need(_ what: String) throws -> URL {
                guard let path else { throw args.error("dataset \(Value.quote(name)) needs path: the \(what)") }
                return path
            }
            let d: DataValue
            switch name {
            case "digits":
                let (train, test) = try Digits.load()
                d = DataValue(name: "digits", train: train, test: test, files: Digits.fileURL.map { [$0.path] } ?? [])
            case "fashion-mnist":
                let (train, test) = try FashionMNIST.load(from: path ?? FashionMNIST.directory)
                d = DataValue(name: "fashion-mnist", train: train, test: test, files: [(path ?? FashionMNIST.directory).path])
            case "mnist":
                let dir = try need("folder with train-images-idx3-ubyte and the other three IDX files")
                // A missing file is refused by IDX.load with its name.
                func file(_ stem: String) -> URL { IDX.file(stem, in: dir) ?? dir.appendingPathComponent(stem) }
                let train = try IDX.load(images: file("train-images-idx3-ubyte"), labels: file("train-labels-idx1-ubyte"))
                let test = try IDX.load(images: file("t10k-images-idx3-ubyte"), labels: file("t10k-labels-idx1-ubyte"))
                d = DataValue(name: "mnist", train: train, test: test, files: [dir.path])
            case "cifar10":
                let dir = try need("folder with data_batch_1.bin ... data_batch_5.bin and test_batch.bin")
                let train = try CIFAR10.load((1...5).map { dir.appendingPathComponent("data_batch_\($0).bin") })
                let test = try CIFAR10.load([dir.appendingPathComponent("test_batch.bin")])
                d = DataValue(name: "cifar10", train: train, test: test, files: [dir.path])
            case "folder":
                let dir = try need("folder of images")
                let images = try ImageFolder.load(dir, size: try args.int("size", min: 1), channels: try args.int("channels", min: 1))
                d = DataValue(name: dir.lastPathComponent, images: images, files: [dir.path])
            default:
                let hint = Resolver.closest(to: name, in: names).map { "did you mean \(Value.quote($0))?" } ?? "known: \(names.joined(separator: ", "))"
                throw args.error("unknown dataset \(Value.quote(name)); \(hint)")
            }
            args.interpreter.dataFiles += d.files
            return .data(d)
        },
    ]
}

extension Interpreter {
    /// A user path, relative to the base directory.
    public func resolvePath(_ path: String) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        return expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : baseDirectory.appendingPathComponent(expanded)
    }
}
