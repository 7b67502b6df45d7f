import CZlib
import Foundation
import MocoTensor

/// gzip decompression through zlib.
public enum Gzip {
    /// Whether `data` starts with the gzip magic bytes.
    public static func isCompressed(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// The decompressed bytes of a complete gzip stream, or a `DataError` naming `file`. A stream
    /// inflates to at most the size its trailer announces (ISIZE), which must fit in memory: a
    /// gzip bomb is refused, not inflated.
    public static func decompress(_ data: Data, file: String) throws -> Data {
        guard data.count >= 18 else { throw DataError(file: file, "gzip data is truncated") }
        let trailer = data.suffix(4).reversed().reduce(0) { $0 << 8 | Int($1) }
        do { try MemoryBudget.check(bytes: trailer, for: "gzip", "inflating it") } catch {
            throw DataError(file: file, "gzip data announces \(trailer) bytes, more than the memory available")
        }
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(file: file, "zlib could not start decompressing")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        let chunk = 1 << 16
        var buffer = [UInt8](repeating: 0, count: chunk)
        var status: Int32 = Z_OK
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            repeat {
                status = buffer.withUnsafeMutableBytes { out in
                    stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                    stream.avail_out = uInt(chunk)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                guard status == Z_OK || status == Z_STREAM_END else {
                    throw DataError(
                        file: file,
                        status == Z_BUF_ERROR
                            ? "gzip data is truncated" : "gzip data is corrupt (zlib status \(status))")
                }
                output.append(contentsOf: buffer[0..<(chunk - Int(stream.avail_out))])
                if output.count > trailer {
                    throw DataError(
                        file: file, "gzip data inflates to more than the \(trailer) bytes its trailer announces")
                }
            } while status != Z_STREAM_END
        }
        return output
    }
}
