import CZMQ
import Foundation

/// A ZeroMQ socket: bound to an address, sending and receiving multipart messages. A socket is used by one thread at a
/// time (the kernel's iopub socket is shared under a lock).
final class ZMQSocket: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private static func failure(_ what: String) -> Failure {
        Failure(description: "\(what): \(String(cString: zmq_strerror(zmq_errno())))")
    }

    /// A socket of `type` (`ZMQ_ROUTER`, `ZMQ_PUB`, `ZMQ_REP`) bound to `address`, closing at once when closed.
    init(context: UnsafeMutableRawPointer, type: Int32, address: String) throws {
        guard let socket = zmq_socket(context, type) else { throw Self.failure("cannot create a socket") }
        handle = socket
        var linger: Int32 = 0
        zmq_setsockopt(socket, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        guard zmq_bind(socket, address) == 0 else { throw Self.failure("cannot bind \(address)") }
    }

    deinit { zmq_close(handle) }

    /// Sends `parts` as one message.
    func send(_ parts: [Data]) {
        for (i, part) in parts.enumerated() {
            let flags = i == parts.count - 1 ? 0 : ZMQ_SNDMORE
            part.withUnsafeBytes { raw in
                while zmq_send(handle, raw.baseAddress, raw.count, flags) < 0 && zmq_errno() == EINTR {}
            }
        }
    }

    /// Receives one message (all its parts); nil when interrupted by a signal before anything came.
    func receive() -> [Data]? {
        var parts: [Data] = []
        repeat {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            while zmq_msg_recv(&message, handle, 0) < 0 {
                if zmq_errno() != EINTR || parts.isEmpty { return nil }
            }
            parts.append(Data(bytes: zmq_msg_data(&message), count: zmq_msg_size(&message)))
            guard zmq_msg_more(&message) != 0 else { break }
        } while true
        return parts
    }

    /// Waits up to `milliseconds` for a message on any of `sockets`; the indices of those that have one.
    static func poll(_ sockets: [ZMQSocket], milliseconds: Int) -> [Int] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        guard zmq_poll(&items, Int32(items.count), milliseconds) > 0 else { return [] }
        return items.indices.filter { items[$0].revents & Int16(ZMQ_POLLIN) != 0 }
    }
}
