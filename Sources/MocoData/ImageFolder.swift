import CJPEGDecoder
import CPNG
import Foundation
import MocoTensor

/// Folders of PNG and JPEG files, decoded with libpng and libjpeg-turbo and resized.
///
/// With sub-folders, each sub-folder (sorted by name) is a class, as torchvision's
/// `ImageFolder`; without, the images are unlabeled (all label 0, class `unlabeled`).
public enum ImageFolder {
    static let extensions: Set<String> = ["png", "jpg", "jpeg"]
    /// The most pixels an image may claim (its header is read before any pixel is decoded).
    public static let maxPixels = 100_000_000

    /// Every image under `root`, resized to `size x size` (antialiased bilinear, as
    /// `transforms.Resize((size, size))`), with `channels` 3 (RGB) or 1 (luma), in `[0, 1]`.
    /// Hidden files and folders (names starting with `.`, such as macOS's AppleDouble `._*` files) are skipped; an
    /// empty class folder or an unreadable image is refused with its path under `root`.
    public static func load(_ root: URL, size: Int, channels: Int = 3) throws -> LabeledImages {
        try load(root, size: size, channels: channels, skipBad: false).images
    }

    /// As `load(_:size:channels:)`; with `skipBad`, unreadable images are left out and returned with the reason
    /// instead of refused (a class whose every image is unreadable is still refused).
    public static func load(
        _ root: URL, size: Int, channels: Int = 3, skipBad: Bool
    ) throws -> (images: LabeledImages, skipped: [DataError]) {
        guard size > 0, channels == 1 || channels == 3 else {
            throw PipelineError("image_folder", "needs a positive size and 1 or 3 channels")
        }
        let (classes, files, labelled) = try listing(root)
        var pixels: [Float] = []
        pixels.reserveCapacity(files.count * channels * size * size)
        var labels: [Int] = []
        var skipped: [DataError] = []
        for (url, label) in files {
            // Named as under the root (class/file.png), so the refusal points at the file.
            let folder = url.deletingLastPathComponent().lastPathComponent
            let name = labelled ? "\(folder)/\(url.lastPathComponent)" : url.lastPathComponent
            var image: Image
            do {
                image = try decode(try DataFile.read(url, as: name), file: name, channels: channels)
            } catch let e as DataError where skipBad {
                skipped.append(e)
                continue
            }
            var unused = RandomGenerator(seed: 0)
            Resize(size).apply(&image, using: &unused)
            pixels += image.pixels
            labels.append(label)
        }
        if let empty = classes.indices.first(where: { !labels.contains($0) }) {
            throw DataError(file: "\(root.lastPathComponent)/\(classes[empty])", "holds no readable image")
        }
        return (
            LabeledImages(
                images: try Tensor(shape: [labels.count, channels, size, size], scalars: pixels), labels: labels,
                classes: classes),
            skipped
        )
    }

    /// The classes under `root` and its image files with their labels, as `load` reads them (see there).
    public static func files(in root: URL) throws -> (classes: [String], files: [(url: URL, label: Int)]) {
        let (classes, files, _) = try listing(root)
        return (classes, files.map { (url: $0.0, label: $0.1) })
    }

    /// The classes, the files with their labels (at least one), and whether the classes are sub-folders.
    private static func listing(_ root: URL) throws -> (classes: [String], files: [(URL, Int)], labelled: Bool) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
            throw DataError(file: root.path, "is not a folder")
        }
        func list(_ dir: URL) throws -> [URL] {
            try DataFile.list(dir).filter { !$0.hasPrefix(".") }.sorted().map(dir.appendingPathComponent)
        }
        func isImage(_ url: URL) -> Bool { extensions.contains(url.pathExtension.lowercased()) }
        let entries = try list(root)
        let classDirs = entries.filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
        guard !classDirs.isEmpty else {
            let files = entries.filter(isImage)
            guard !files.isEmpty else { throw DataError(file: root.path, "holds no PNG or JPEG images") }
            return (["unlabeled"], files.map { ($0, 0) }, false)
        }
        var files: [(URL, Int)] = []
        for (label, dir) in classDirs.enumerated() {
            let inside = try list(dir).filter(isImage)
            guard !inside.isEmpty else {
                throw DataError(
                    file: "\(root.lastPathComponent)/\(dir.lastPathComponent)",
                    "is a class folder without PNG or JPEG images")
            }
            files += inside.map { ($0, label) }
        }
        return (classDirs.map(\.lastPathComponent), files, true)
    }

    /// One PNG or JPEG file decoded into `channels` planes in `[0, 1]`; a refusal names the file.
    public static func image(at url: URL, channels: Int = 3) throws -> Image {
        try decode(try DataFile.read(url), file: url.lastPathComponent, channels: channels)
    }

    /// Decodes a PNG or JPEG file's bytes into `channels` planes in `[0, 1]`.
    public static func decode(_ data: Data, file: String, channels: Int = 3) throws -> Image {
        let bytes = [UInt8](data)
        let (width, height, interleaved): (Int, Int, [UInt8])
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            (width, height, interleaved) = try decodePNG(bytes, file: file, channels: channels)
        } else if bytes.starts(with: [0xFF, 0xD8]) {
            (width, height, interleaved) = try decodeJPEG(bytes, file: file, channels: channels)
        } else {
            throw DataError(file: file, "is neither a PNG nor a JPEG file")
        }
        let plane = width * height
        var planes = [Float](repeating: 0, count: channels * plane)
        for p in 0..<plane {
            for c in 0..<channels { planes[c * plane + p] = Float(interleaved[p * channels + c]) / 255 }
        }
        return Image(channels: channels, height: height, width: width, pixels: planes)
    }

    static func decodePNG(_ bytes: [UInt8], file: String, channels: Int) throws -> (Int, Int, [UInt8]) {
        var image = png_image()
        image.version = moco_png_image_version
        defer { png_image_free(&image) }
        func message() -> String {
            withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw DataError(file: file, "is not a readable PNG (\(message()))") }
        image.format = channels == 3 ? moco_png_format_rgb : moco_png_format_gray
        let (w, h) = (Int(image.width), Int(image.height))
        guard w * h <= maxPixels else {
            throw DataError(
                file: file,
                "PNG header claims \(w)x\(h) pixels, more than the limit of \(maxPixels / 1_000_000) megapixels")
        }
        var out = [UInt8](repeating: 0, count: w * h * channels)
        let finished = out.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else { throw DataError(file: file, "PNG data is corrupt or truncated (\(message()))") }
        return (w, h, out)
    }

    static func decodeJPEG(_ bytes: [UInt8], file: String, channels: Int) throws -> (Int, Int, [UInt8]) {
        var pixels: UnsafeMutablePointer<UInt8>?
        var w: Int32 = 0
        var h: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { src in
            moco_jpeg_decode(
                src.baseAddress, src.count, channels == 3 ? 0 : 1, &pixels, &w, &h, &message, message.count)
        }
        guard status == 0, let pixels else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DataError(
                file: file,
                "is not a readable JPEG, or its data is corrupt or truncated (\(reason.isEmpty ? "unknown error" : reason))"
            )
        }
        defer { moco_jpeg_free(pixels) }
        return (Int(w), Int(h), Array(UnsafeBufferPointer(start: pixels, count: Int(w) * Int(h) * channels)))
    }
}
