import CZlib
import Foundation

/// The kernel's logo, drawn here: two offset discs (a query and its momentum key) on white, as an RGBA PNG.
enum Logo {
    static func png(size: Int) -> Data {
        var raw = Data()
        let n = Double(size)
        for y in 0..<size {
            raw.append(0)  // filter: none
            for x in 0..<size {
                let (px, py) = (Double(x) + 0.5, Double(y) + 0.5)
                func inside(_ cx: Double, _ cy: Double) -> Bool {
                    (px - cx * n) * (px - cx * n) + (py - cy * n) * (py - cy * n) <= 0.09 * n * n
                }
                let colour: [UInt8] =
                    inside(0.38, 0.5) ? [33, 102, 172, 255] : inside(0.62, 0.5) ? [244, 165, 130, 255] : [0, 0, 0, 0]
                raw.append(contentsOf: colour)
            }
        }
        var header = Data()
        for value in [UInt32(size), UInt32(size)] { header.append(bigEndian(value)) }
        header.append(contentsOf: [8, 6, 0, 0, 0])  // 8 bits, RGBA, deflate, no filter, no interlace
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + chunk("IHDR", header)
            + chunk("IDAT", deflate(raw)) + chunk("IEND", Data())
    }

    private static func bigEndian(_ value: UInt32) -> Data { withUnsafeBytes(of: value.bigEndian) { Data($0) } }

    private static func chunk(_ type: String, _ body: Data) -> Data {
        let typed = Data(type.utf8) + body
        let crc = typed.withUnsafeBytes { UInt32(crc32(0, $0.bindMemory(to: UInt8.self).baseAddress, uInt($0.count))) }
        return bigEndian(UInt32(body.count)) + typed + bigEndian(crc)
    }

    private static func deflate(_ data: Data) -> Data {
        var length = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        _ = data.withUnsafeBytes {
            compress2(&out, &length, $0.bindMemory(to: UInt8.self).baseAddress, uLong($0.count), 9)
        }
        return Data(out[..<Int(length)])
    }
}
