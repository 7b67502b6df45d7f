import Foundation

/// HMAC-SHA256 (RFC 2104): the signatures of Jupyter messages.
public enum HMAC {
    /// The HMAC-SHA256 of `parts` (concatenated) under `key`, as 64 lowercase hex digits.
    public static func sha256Hex(key: Data, _ parts: [Data]) -> String {
        var block = [UInt8](key.count > 64 ? Data(SHA256.digest(key)) : key)
        block += [UInt8](repeating: 0, count: 64 - block.count)
        var inner = Data(block.map { $0 ^ 0x36 })
        for part in parts { inner.append(part) }
        let outer = Data(block.map { $0 ^ 0x5c }) + Data(SHA256.digest(inner))
        return SHA256.digest(outer).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two signatures in time that does not depend on where they differ.
    public static func equal(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
