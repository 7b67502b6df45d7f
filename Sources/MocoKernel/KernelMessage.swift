import Foundation
import MocoSupport

/// A message of the Jupyter messaging protocol (5.3) as it crosses a socket: the routing identities, the delimiter
/// `<IDS|MSG>`, the HMAC-SHA256 signature, then header, parent header, metadata and content as JSON (and buffers).
struct KernelMessage {
    var identities: [Data] = []
    var header: [String: Any]
    var parent: [String: Any]
    var metadata: [String: Any] = [:]
    var content: [String: Any]

    var type: String { header["msg_type"] as? String ?? "" }

    static let delimiter = Data("<IDS|MSG>".utf8)

    /// Why a message was refused.
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    /// Parses and checks the parts of a received message.
    init(parts: [Data], key: Data) throws {
        guard let split = parts.firstIndex(of: Self.delimiter) else {
            throw Refused(description: "no <IDS|MSG> delimiter")
        }
        let rest = Array(parts[(split + 1)...])
        guard rest.count >= 5 else { throw Refused(description: "\(rest.count) parts after the delimiter, not 5") }
        if !key.isEmpty {
            let expected = HMAC.sha256Hex(key: key, Array(rest[1...4]))
            guard HMAC.equal(expected, String(decoding: rest[0], as: UTF8.self)) else {
                throw Refused(description: "the signature does not match")
            }
        }
        func object(_ data: Data, _ what: String) throws -> [String: Any] {
            guard let value = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw Refused(description: "the \(what) is not a JSON object")
            }
            return value
        }
        identities = Array(parts[..<split])
        header = try object(rest[1], "header")
        parent = try object(rest[2], "parent header")
        metadata = try object(rest[3], "metadata")
        content = try object(rest[4], "content")
        guard header["msg_type"] is String else { throw Refused(description: "the header has no msg_type") }
    }

    init(
        type: String, content: [String: Any], parent: KernelMessage?, session: String, identities: [Data]? = nil
    ) {
        header = [
            "msg_id": UUID().uuidString.lowercased(), "session": session, "username": "moco",
            "date": ISO8601DateFormatter().string(from: Date()), "msg_type": type, "version": "5.3"
        ]
        self.parent = parent?.header ?? [:]
        self.content = content
        self.identities = identities ?? parent?.identities ?? []
    }

    /// The parts to send, signed with `key`.
    func parts(key: Data) -> [Data] {
        let body = [header, parent, metadata, content].map { object in
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        }
        let signature = key.isEmpty ? "" : HMAC.sha256Hex(key: key, body)
        return identities + [Self.delimiter, Data(signature.utf8)] + body
    }
}
