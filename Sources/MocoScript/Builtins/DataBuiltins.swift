import Foundation
import MocoData
import MocoSupport
import MocoTensor

/// Datasets: the bundled digits, Fashion-MNIST, MNIST-format IDX files, CIFAR-10 binaries and
/// image folders.
enum DataBuiltins {
    static let names = ["digits", "fashion-mnist", "mnist", "cifar10", "folder"]

    static let all: [Builtin] = [
        Builtin(
            "dataset",
            [
                .required("name"), .optional("path"), .optional("size"), .optional("channels"),
                .optional("skip_bad", .bool(false))
            ],
            doc: Doc(
                """
                Loads a dataset. `"digits"`: the bundled 1,797 8x8 digits with the fixed 1,347/450 split. \
                `"fashion-mnist"`: from Debian's dataset-fashion-mnist package (or `path`). `"mnist"`: the four \
                MNIST-format IDX files (gzipped or not) in `path`. `"cifar10"`: the binary batches in `path` (the \
                `data_batch_N.bin` there, and `test_batch.bin` or else the `test_batch*.bin` files). \
                `"folder"`: PNG/JPEG images under `path` (one sub-folder per class, or unlabeled), resized to \
                `size` (default 32) with `channels` 1 or 3 (default 3), hidden files (`.*`, macOS's `._*`) skipped; an \
                unreadable image is refused with its path, or left out with a warning with `skip_bad: true`; split it \
                with `.split(test: 0.2)`.
                """,
                example: #"let data = dataset("digits")"#)
        ) { args in
            let name = try args.string("name")
            let path = try args.optionalString("path").map {
                try args.interpreter.readableURL($0, builtin: "dataset", at: args.loc)
            }
            func need(_ what: String) throws -> URL {
                guard let path else { throw args.error("dataset \(Value.quote(name)) needs path: the \(what)") }
                return path
            }
            if name != "folder", try !args.isNil("size") || !args.isNil("channels") || args.bool("skip_bad") {
                throw args.error(
                    "'size', 'channels' and 'skip_bad' apply to dataset(\"folder\") only; \(Value.quote(name)) has a fixed image size"
                )
            }
            let d: DataValue
            switch name {
            case "digits":
                let (train, test) = try Digits.load()
                d = DataValue(
                    name: "digits", train: train, test: test, files: Digits.fileURL.map { [$0.path] } ?? [],
                    origin: Digits.fileURL.map { DataOrigin(source: "digits", path: $0.path) })
            case "fashion-mnist":
                let (train, test) = try FashionMNIST.load(from: path ?? FashionMNIST.directory)
                let dir = path ?? FashionMNIST.directory
                d = DataValue(
                    name: "fashion-mnist", train: train, test: test, files: [dir.path],
                    origin: DataOrigin(source: "fashion-mnist", path: dir.path))
            case "mnist":
                let dir = try need("folder with train-images-idx3-ubyte and the other three IDX files")
                // A missing file is refused by IDX.load with its name.
                func file(_ stem: String) -> URL { IDX.file(stem, in: dir) ?? dir.appendingPathComponent(stem) }
                let train = try IDX.load(
                    images: file("train-images-idx3-ubyte"), labels: file("train-labels-idx1-ubyte"))
                let test = try IDX.load(images: file("t10k-images-idx3-ubyte"), labels: file("t10k-labels-idx1-ubyte"))
                d = DataValue(
                    name: "mnist", train: train, test: test, files: [dir.path],
                    origin: DataOrigin(source: "mnist", path: dir.path))
            case "cifar10":
                let dir = try need("folder with data_batch_1.bin ... data_batch_5.bin and test_batch.bin")
                let batches = try CIFAR10.batches(in: dir)
                let train = try CIFAR10.load(batches.train)
                let test = try CIFAR10.load(batches.test)
                d = DataValue(
                    name: "cifar10", train: train, test: test, files: [dir.path],
                    origin: DataOrigin(source: "cifar10", path: dir.path))
            case "folder":
                let dir = try need("folder of images")
                let size = (try args.isNil("size")) ? 32 : try args.size("size", max: Limits.maxImageSide)
                let channels = (try args.isNil("channels")) ? 3 : try args.int("channels")
                guard channels == 1 || channels == 3 else {
                    throw args.error("'channels' must be 1 or 3, got \(channels)")
                }
                let (images, skipped) = try ImageFolder.load(
                    dir, size: size, channels: channels, skipBad: try args.bool("skip_bad"))
                if !skipped.isEmpty {
                    let listed = skipped.prefix(5).map(\.description).joined(separator: "; ")
                    args.interpreter.warn(
                        "dataset: skipped \(skipped.count) unreadable file\(skipped.count == 1 ? "" : "s") of \(dir.lastPathComponent): \(listed)\(skipped.count > 5 ? "; ..." : "")"
                    )
                }
                d = DataValue(
                    name: dir.lastPathComponent, images: images, files: [dir.path],
                    origin: DataOrigin(
                        source: "folder", path: dir.path, size: size, channels: channels,
                        skipped: skipped.isEmpty ? nil : skipped.map(\.file)))
            default:
                let hint =
                    Resolver.closest(to: name, in: names).map { "did you mean \(Value.quote($0))?" }
                    ?? "known: \(names.joined(separator: ", "))"
                throw args.error("unknown dataset \(Value.quote(name)); \(hint)")
            }
            d.files.forEach(args.interpreter.noteInput)
            return .data(d)
        }
    ]
}

extension Interpreter {
    /// A user path, relative to the base directory.
    public func resolvePath(_ path: String) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        return expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : baseDirectory.appendingPathComponent(expanded)
    }

    /// A user path to write: relative to the output directory when there is one, else as `resolvePath`.
    func resolveWritePath(_ path: String) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        guard let outputDirectory, !expanded.hasPrefix("/") else { return resolvePath(path) }
        return outputDirectory.appendingPathComponent(expanded)
    }

    /// A user path to read: a relative one that exists under the output directory is taken from there (a file an
    /// earlier cell wrote), else as `resolvePath`.
    func resolveReadPath(_ path: String) -> URL {
        let (written, base) = (resolveWritePath(path), resolvePath(path))
        return written != base && FileManager.default.fileExists(atPath: written.path) ? written : base
    }

    /// A user path that `builtin` may write a file of `kind` to: inside the write confinement,
    /// not empty, and not an existing file of another kind.
    func writableURL(_ path: String, kind: FileKind, builtin: String, at loc: Loc) throws -> URL {
        let url = try writablePath(path, what: "file", builtin: builtin, at: loc)
        do { try kind.checkReplaceable(url) } catch let e as FileKindError {
            throw ScriptError(.io, "\(builtin): \(e)", at: loc)
        }
        return url
    }

    /// A user path that `builtin` may write to (a file, or a folder it fills): not empty, without control
    /// characters, and inside the write confinement.
    func writablePath(_ path: String, what: String, builtin: String, at loc: Loc) throws -> URL {
        guard !path.isEmpty else { throw ScriptError(.io, "\(builtin): the \(what) name is empty", at: loc) }
        guard !path.unicodeScalars.contains(where: { VisibleText.needsEscape($0, keepLines: false) }) else {
            throw ScriptError(
                .io,
                "\(builtin): the \(what) name \(Value.quote(VisibleText.escape(path))) holds control characters",
                at: loc)
        }
        do { return try fileAccess.checkWrite(resolveWritePath(path)) } catch {
            throw ScriptError(.io, "\(builtin): \(error)", at: loc)
        }
    }

    /// A user path that `builtin` may read: inside the read confinement.
    func readableURL(_ path: String, builtin: String, at loc: Loc) throws -> URL {
        do {
            let url = try fileAccess.checkRead(resolveReadPath(path))
            noteInput(url.path)
            return url
        } catch {
            throw ScriptError(.io, "\(builtin): \(error)", at: loc)
        }
    }
}
