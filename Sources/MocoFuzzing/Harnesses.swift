import Foundation
import Moco
import MocoData
import MocoNN
import MocoNotebook
import MocoScript
import MocoTensor

/// The fuzz targets: the script front end and every reader of files that may come from
/// someone else.
public enum Harnesses {
    public static let all: [Harness] = [script, safetensors, checkpoint, idx, cifar, png, jpeg, gzip, cacheEntry]

    public static func named(_ name: String) -> Harness? { all.first { $0.name == name } }

    /// Lexer, parser (with `include` confined to the scratch folder) and resolver, as `moco check`.
    static let script = Harness(
        name: "script", summary: "a .moco script through the lexer, parser and resolver",
        dictionary: scriptTokens
    ) { input in
        let interpreter = Interpreter(baseDirectory: Scratch.folder)
        interpreter.fileAccess = FileAccess(write: [Scratch.folder], read: [Scratch.folder])
        try? interpreter.check(String(decoding: input, as: UTF8.self), name: "fuzz.moco")
    }

    /// Any safetensors file, as `load(path)` reads it.
    static let safetensors = Harness(
        name: "safetensors", summary: "a safetensors file (SafeTensors.decode)",
        dictionary: jsonTokens
    ) { input in
        _ = try? SafeTensors.decode(input, file: "fuzz.safetensors")
    }

    /// A checkpoint restored into a small trainer: the checksum, then every field's check.
    static let checkpoint = Harness(
        name: "checkpoint",
        summary: "a training checkpoint (Checkpoint.load into a small MoCo run)",
        dictionary: jsonTokens
    ) { input in
        let url = Scratch.write(input, as: "fuzz.ckpt.safetensors")
        guard let trainer = SmallRun.trainer else { return }
        _ = try? Checkpoint.load(into: trainer, from: url)
    }

    /// An IDX file: the first byte chooses whether it is the images or the labels file.
    static let idx = Harness(
        name: "idx", summary: "MNIST-format IDX images or labels, gzipped or not (IDX.load)",
        dictionary: binaryTokens
    ) { input in
        guard let role = input.first else { return }
        let file = Scratch.write(input.dropFirst(), as: "fuzz.idx")
        if role & 1 == 0 {
            _ = try? IDX.load(images: file, labels: SmallRun.idxLabels)
        } else {
            _ = try? IDX.load(images: SmallRun.idxImages, labels: file)
        }
    }

    static let cifar = Harness(
        name: "cifar", summary: "a CIFAR-10 binary batch (CIFAR10.load)",
        dictionary: binaryTokens
    ) { input in
        _ = try? CIFAR10.load([Scratch.write(input, as: "fuzz_batch.bin")])
    }

    static let png = Harness(
        name: "png", summary: "an image file read as PNG or JPEG by its bytes (ImageFolder.decode)",
        dictionary: binaryTokens
    ) { input in
        _ = try? ImageFolder.decode(input, file: "fuzz.png", channels: 3)
    }

    static let jpeg = Harness(
        name: "jpeg", summary: "a JPEG file, one channel (ImageFolder.decode)",
        dictionary: binaryTokens
    ) { input in
        _ = try? ImageFolder.decode(input, file: "fuzz.jpg", channels: 1)
    }

    static let gzip = Harness(
        name: "gzip", summary: "gzip data (Gzip.decompress, capped at the size its trailer announces)",
        dictionary: binaryTokens
    ) { input in
        _ = try? Gzip.decompress(input, file: "fuzz.gz")
    }

    /// A cell-cache entry.json beside files it may name (a PNG, an embedding, a checkpoint).
    static let cacheEntry = Harness(
        name: "cache-entry", summary: "a cell cache's entry.json (CellCache.refusal)",
        dictionary: jsonTokens
    ) { input in
        let folder = Scratch.entryFolder
        _ = Scratch.write(input, as: "entry.json", in: folder)
        _ = CellCache.refusal(ofEntryIn: folder)
    }

    static let scriptTokens: [[UInt8]] = [
        "let ", "var ", "fn ", "=>", "if ", "else", "while ", "for ", " in ", "return", "break", "include \"x.moco\"",
        "seed 1", "(", ")", "[", "]", "{", "}", "\"", "'", "\\", "\n", ";", ",", ":", ".", "..<", "...", "**", "//",
        "#", "{x:d}", "{1e308:.3f}", "1e308", "nan", "inf", "-", "0x", "2**62", "train(", "plot(", "knn(", "not ",
        " and ", " or ", "==", "\u{202E}", "\u{2028}"
    ].map { Array($0.utf8) }
    static let jsonTokens: [[UInt8]] = [
        "{", "}", "[", "]", "\"", ":", ",", "null", "true", "-1", "1e400", "9223372036854775807", "4611686018427387904",
        "\"dtype\"", "\"F32\"", "\"I64\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"../\"",
        "\"/etc/passwd\"",
        "\"files\"", "\"outputs\"", "\"memo\"", "\"image\"", "\"checkpoint\"", "\"embedding\"", "\\u0000"
    ].map { Array($0.utf8) }
    static let binaryTokens: [[UInt8]] = [
        [0], [0xff], [0x7f], [0x80], [0, 0, 0, 0], [0xff, 0xff, 0xff, 0xff], [0x7f, 0xff, 0xff, 0xff],
        [0, 0, 8, 3], [0, 0, 8, 1],
        [0x1f, 0x8b, 8, 0], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], Array("IHDR".utf8), Array("IDAT".utf8),
        Array("IEND".utf8), [0xff, 0xd8, 0xff], [0xff, 0xc0], [0xff, 0xc4], [0xff, 0xda], [0xff, 0xd9]
    ]
}
