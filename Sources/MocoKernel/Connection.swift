import Foundation

/// A Jupyter connection file: where the kernel's five sockets listen and the key that signs messages.
struct Connection: Decodable {
    let transport: String
    let ip: String
    let shellPort, iopubPort, stdinPort, controlPort, hbPort: Int
    let key: String
    let signatureScheme: String

    enum CodingKeys: String, CodingKey {
        case transport, ip, key
        case shellPort = "shell_port"
        case iopubPort = "iopub_port"
        case stdinPort = "stdin_port"
        case controlPort = "control_port"
        case hbPort = "hb_port"
        case signatureScheme = "signature_scheme"
    }

    /// Reads `file`; refuses a signature scheme other than HMAC-SHA256.
    static func read(_ file: URL) throws -> Connection {
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw KernelError("cannot read the connection file \(file.path): \(error.localizedDescription)")
        }
        let connection: Connection
        do { connection = try JSONDecoder().decode(Connection.self, from: data) } catch {
            throw KernelError("\(file.path) is not a Jupyter connection file: \(error)")
        }
        guard connection.signatureScheme == "hmac-sha256" || connection.key.isEmpty else {
            throw KernelError("signature scheme \(connection.signatureScheme) is not supported (hmac-sha256 is)")
        }
        return connection
    }

    func address(_ port: Int) -> String {
        transport == "ipc" ? "ipc://\(ip)-\(port)" : "\(transport)://\(ip):\(port)"
    }
}

/// An error that stops the kernel from starting or installing.
public struct KernelError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
