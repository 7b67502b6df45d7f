import Foundation
import MocoSupport
import Testing

@Suite("SHA-256")
struct SHA256Tests {
    /// FIPS 180-4 examples and lengths around the padding boundaries (55, 56, 63, 64 bytes).
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
    ])
    func knownDigests(text: String, digest: String) {
        #expect(SHA256.hex(text) == digest)
    }

    @Test func paddingBoundariesMatchSha256sum() throws {
        var rng = SystemRandomNumberGenerator()
        for count in [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 100_003] {
            let data = Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
            #expect(SHA256.hex(data) == (try sha256sum(data)), "\(count) bytes")
        }
        // A slice that does not start at index 0 hashes its own bytes.
        let whole = Data((0..<300).map { UInt8($0 % 251) })
        #expect(SHA256.hex(whole[100...]) == SHA256.hex(Data(whole[100...])))
    }

    private func sha256sum(_ data: Data) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        input.fileHandleForWriting.write(data)
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: out, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }
}
