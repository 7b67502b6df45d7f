import Foundation
import MocoData
import MocoTensor
import Testing

@Suite("Image folders")
struct ImageFolderTests {
    let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    struct Decoded: Decodable {
        let width: Int
        let height: Int
        let rgb: [Int]
    }

    /// libpng decodes PNGs exactly as PIL does; libjpeg-turbo's JPEG decoding agrees within 2/255.
    @Test func decodesPNGAndJPEGLikePIL() throws {
        let expected = try JSONDecoder().decode(
            [String: Decoded].self, from: Data(contentsOf: fixtures.appendingPathComponent("images-decoded.json")))
        #expect(expected.count == 4)
        for (path, e) in expected {
            let url = fixtures.appendingPathComponent("images").appendingPathComponent(path)
            let image = try ImageFolder.decode(try Data(contentsOf: url), file: path)
            #expect(image.width == e.width && image.height == e.height && image.channels == 3)
            let worst = worstDifference(image, e)
            #expect(worst <= (path.hasSuffix("png") ? 0 : 2), "\(path): max difference \(worst)")
        }
    }

    /// The largest difference, in 1/255 steps, between a decoded RGB image and PIL's bytes.
    func worstDifference(_ image: Image, _ e: Decoded) -> Int {
        let plane = e.width * e.height
        var worst = 0
        for p in 0..<plane {
            for c in 0..<3 {
                worst = max(worst, abs(Int((image.pixels[c * plane + p] * 255).rounded()) - e.rgb[p * 3 + c]))
            }
        }
        return worst
    }

    @Test func loadsClassesFromSubfolders() throws {
        let set = try ImageFolder.load(fixtures.appendingPathComponent("images"), size: 8)
        #expect(set.classes == ["cats", "dogs"] && set.labels == [0, 0, 1, 1])
        #expect(set.images.shape == [4, 3, 8, 8] && set.images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        let gray = try ImageFolder.load(fixtures.appendingPathComponent("images/cats"), size: 4, channels: 1)
        #expect(gray.classes == ["unlabeled"] && gray.images.shape == [2, 1, 4, 4])
    }

    @Test func refusesBadFilesWithTheirNames() throws {
        let png = try Data(contentsOf: fixtures.appendingPathComponent("images/cats/a.png"))
        let jpg = try Data(contentsOf: fixtures.appendingPathComponent("images/cats/b.jpg"))
        #expect(throws: DataError.self) { try ImageFolder.decode(png.prefix(png.count / 2), file: "half.png") }
        #expect(throws: DataError.self) { try ImageFolder.decode(jpg.prefix(jpg.count / 2), file: "half.jpg") }
        #expect(throws: DataError(file: "notes.png", "is neither a PNG nor a JPEG file")) {
            try ImageFolder.decode(Data("hello".utf8), file: "notes.png")
        }
        do {
            _ = try ImageFolder.decode(png.prefix(png.count / 2), file: "half.png")
        } catch let e as DataError {
            #expect(e.file == "half.png" && e.description.hasPrefix("half.png: "))
        }
        // libjpeg only warns about a truncated file (and would fill it with gray); we refuse it
        // with libjpeg's message, as we do a file whose header is damaged.
        do {
            _ = try ImageFolder.decode(jpg.prefix(jpg.count / 2), file: "half.jpg")
            Issue.record("a truncated JPEG was decoded")
        } catch let e as DataError {
            #expect(e.file == "half.jpg" && e.description.contains("Premature end of JPEG file"), "\(e)")
        }
        var damaged = jpg
        damaged.replaceSubrange(4..<40, with: [UInt8](repeating: 0x5A, count: 36))
        #expect(throws: DataError.self) { try ImageFolder.decode(damaged, file: "damaged.jpg") }
        #expect(throws: DataError(file: "/nonexistent/images", "is not a folder")) {
            try ImageFolder.load(URL(fileURLWithPath: "/nonexistent/images"), size: 8)
        }
    }

    /// A folder named like an image and a dangling link are refused by their names under the root,
    /// never with a bare system error.
    @Test func unreadableEntriesAreNamed() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("moco-images-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let cats = root.appendingPathComponent("cats")
        try FileManager.default.createDirectory(
            at: cats.appendingPathComponent("folder.png"), withIntermediateDirectories: true)
        #expect(throws: DataError(file: "cats/folder.png", "cannot be read (is a directory, not a file)")) {
            try ImageFolder.load(root, size: 8)
        }
        try FileManager.default.removeItem(at: cats.appendingPathComponent("folder.png"))
        try FileManager.default.createSymbolicLink(
            at: cats.appendingPathComponent("gone.png"),
            withDestinationURL: URL(fileURLWithPath: "/nonexistent/gone.png"))
        #expect(throws: DataError(file: "cats/gone.png", "cannot be read (no such file)")) {
            try ImageFolder.load(root, size: 8)
        }
    }

    /// CMYK JPEGs (inverted, with the Adobe marker, as Photoshop and PIL write them) and grayscale JPEGs decode as
    /// PIL converts them to RGB, within 2/255; CMYK decodes to luma as well.
    @Test func decodesCMYKAndGrayscaleJPEGsLikePIL() throws {
        let expected = try JSONDecoder().decode(
            [String: Decoded].self, from: Data(contentsOf: fixtures.appendingPathComponent("formats-decoded.json")))
        #expect(expected.keys.sorted() == ["cmyk.jpg", "gray.jpg"])
        for (name, e) in expected {
            let url = fixtures.appendingPathComponent("formats").appendingPathComponent(name)
            let image = try ImageFolder.image(at: url)
            #expect(image.width == e.width && image.height == e.height && image.channels == 3)
            let worst = worstDifference(image, e)
            #expect(worst <= 2, "\(name): max difference \(worst)")
            let luma = try ImageFolder.image(at: url, channels: 1)
            #expect(luma.channels == 1 && luma.pixels.count == e.width * e.height)
        }
    }

    /// A real folder: hidden files and macOS's AppleDouble files are skipped, a truncated PNG is refused with its
    /// path or, with `skipBad`, left out and reported; an empty class folder is refused.
    @Test func realFoldersSkipHiddenFilesAndReportBadOnes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("moco-real-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        for cls in ["cats", "dogs"] {
            try fm.createDirectory(at: root.appendingPathComponent(cls), withIntermediateDirectories: true)
        }
        let images = fixtures.appendingPathComponent("images")
        let png = try Data(contentsOf: images.appendingPathComponent("cats/a.png"))
        try png.write(to: root.appendingPathComponent("cats/a.png"))
        try fm.copyItem(
            at: fixtures.appendingPathComponent("formats/cmyk.jpg"), to: root.appendingPathComponent("cats/cmyk.jpg"))
        try Data("AppleDouble metadata".utf8).write(to: root.appendingPathComponent("cats/._a.png"))
        try Data("not an image".utf8).write(to: root.appendingPathComponent("dogs/.hidden.png"))
        try png.write(to: root.appendingPathComponent("dogs/c.png"))
        try png.prefix(png.count / 2).write(to: root.appendingPathComponent("dogs/truncated.png"))
        try fm.createDirectory(at: root.appendingPathComponent(".git"), withIntermediateDirectories: true)
        do {
            _ = try ImageFolder.load(root, size: 8)
            Issue.record("a truncated PNG was accepted")
        } catch let e as DataError {
            #expect(e.file == "dogs/truncated.png" && e.description.contains("corrupt or truncated"), "\(e)")
        }
        let (set, skipped) = try ImageFolder.load(root, size: 8, skipBad: true)
        #expect(set.classes == ["cats", "dogs"] && set.labels == [0, 0, 1])
        #expect(skipped.map(\.file) == ["dogs/truncated.png"])
        try fm.removeItem(at: root.appendingPathComponent("dogs/c.png"))
        #expect(throws: DataError(file: "\(root.lastPathComponent)/dogs", "holds no readable image")) {
            try ImageFolder.load(root, size: 8, skipBad: true)
        }
        try fm.createDirectory(at: root.appendingPathComponent("birds"), withIntermediateDirectories: true)
        #expect(
            throws: DataError(file: "\(root.lastPathComponent)/birds", "is a class folder without PNG or JPEG images")
        ) {
            try ImageFolder.load(root, size: 8)
        }
    }
}
