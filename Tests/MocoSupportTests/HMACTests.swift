import Foundation
import MocoSupport
import Testing

/// HMAC-SHA256 against RFC 4231's test vectors (the signatures of Jupyter messages).
@Suite("HMAC-SHA256")
struct HMACTests {
    static func bytes(_ hex: String) -> Data {
        Data(
            stride(from: 0, to: hex.count, by: 2).map { i in
                let start = hex.index(hex.startIndex, offsetBy: i)
                return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
            })
    }

    @Test(
        "RFC 4231 test cases 1, 2, 6 (a key longer than a block) and 7",
        arguments: [
            (
                String(repeating: "0b", count: 20), Data("Hi There".utf8),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
            ),
            (
                "4a656665", Data("what do ya want for nothing?".utf8),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
            ),
            (
                String(repeating: "aa", count: 131),
                Data("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
            ),
            (
                String(repeating: "aa", count: 131),
                Data(
                    ("This is a test using a larger than block-size key and a larger than block-size data. The key "
                        + "needs to be hashed before being used by the HMAC algorithm.").utf8),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
            )
        ])
    func vectors(key: String, message: Data, expected: String) {
        #expect(HMAC.sha256Hex(key: Self.bytes(key), [message]) == expected)
        // Parts are signed as one concatenation, as Jupyter signs header, parent, metadata and content.
        let half = message.count / 2
        #expect(HMAC.sha256Hex(key: Self.bytes(key), [message.prefix(half), message.dropFirst(half)]) == expected)
    }

    @Test("equal compares whole strings")
    func equal() {
        #expect(HMAC.equal("abc", "abc") && !HMAC.equal("abc", "abd") && !HMAC.equal("abc", "ab"))
    }
}
