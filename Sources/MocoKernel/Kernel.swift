import CZMQ
import Foundation
import MocoScript
import MocoSupport
import Synchronization

/// `moco kernel -f CONNECTION_FILE`: a Jupyter kernel (messaging protocol 5.3) for the moco language.
///
/// Shell requests run on the main thread, one at a time, in one session; control requests (shutdown, interrupt) are
/// answered on a thread of their own so they reach a cell that is still running; the heartbeat echoes on a third.
/// Every message is checked against the connection's key: one with a wrong signature, malformed JSON or an unknown
/// type is refused and logged on stderr, and the kernel goes on.
public final class Kernel: @unchecked Sendable {
    private let connection: Connection
    private let key: Data
    private let session = UUID().uuidString.lowercased()
    private let context: UnsafeMutableRawPointer
    private let shell, control, stdin, iopub, heartbeat: ZMQSocket
    private let iopubLock = NSLock()
    private let stopping = Atomic<Bool>(false)
    private let log: (String) -> Void
    private var cells: KernelSession!

    /// SIGINTs and interrupt requests not yet seen by a running cell.
    private static let interrupts = Atomic<Int32>(0)

    /// Binds the sockets that `connectionFile` names.
    public init(connectionFile: URL, log: @escaping (String) -> Void) throws {
        connection = try Connection.read(connectionFile)
        key = Data(connection.key.utf8)
        self.log = log
        guard let context = zmq_ctx_new() else { throw KernelError("cannot create a ZeroMQ context") }
        self.context = context
        do {
            shell = try ZMQSocket(context: context, type: ZMQ_ROUTER, address: connection.address(connection.shellPort))
            control = try ZMQSocket(
                context: context, type: ZMQ_ROUTER, address: connection.address(connection.controlPort))
            stdin = try ZMQSocket(context: context, type: ZMQ_ROUTER, address: connection.address(connection.stdinPort))
            iopub = try ZMQSocket(context: context, type: ZMQ_PUB, address: connection.address(connection.iopubPort))
            heartbeat = try ZMQSocket(context: context, type: ZMQ_REP, address: connection.address(connection.hbPort))
        } catch {
            throw KernelError("\(error)")
        }
        let plots = FileManager.default.temporaryDirectory.appendingPathComponent("moco-kernel-\(session)")
        cells = KernelSession(plots: plots) {
            // Take the request: a later cell starts clean.
            Kernel.interrupts.exchange(0, ordering: .relaxed) > 0
        }
        cells.stream = { [unowned self] name, text in publishOutput("stream", ["name": name, "text": text]) }
        cells.display = { [unowned self] data in publishOutput("display_data", ["data": data, "metadata": [:]]) }
        cells.displayUpdate = { [unowned self] data, id, update in
            publishOutput(
                update ? "update_display_data" : "display_data",
                ["data": data, "metadata": [:], "transient": ["display_id": id]])
        }
    }

    /// The request being answered on the shell socket (outputs are its children).
    private var current: KernelMessage?

    private func publishOutput(_ type: String, _ content: [String: Any]) {
        publish(type, content, parent: current)
    }

    /// Sends a message on iopub (from either thread).
    private func publish(_ type: String, _ content: [String: Any], parent: KernelMessage?) {
        let message = KernelMessage(type: type, content: content, parent: parent, session: session, identities: [])
        iopubLock.withLock { iopub.send(message.parts(key: key)) }
    }

    private func reply(_ socket: ZMQSocket, to request: KernelMessage, _ type: String, _ content: [String: Any]) {
        socket.send(KernelMessage(type: type, content: content, parent: request, session: session).parts(key: key))
    }

    /// Serves until a shutdown request; returns then.
    public func serve() {
        // Jupyter interrupts with SIGINT: take it even when the process that started us had it blocked or ignored.
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
        signal(SIGINT) { _ in Kernel.interrupts.add(1, ordering: .relaxed) }
        let hb = heartbeat
        Thread.detachNewThread { zmq_proxy(hb.handle, hb.handle, nil) }
        Thread.detachNewThread { [self] in
            while !stopping.load(ordering: .relaxed) {
                guard !ZMQSocket.poll([control], milliseconds: 100).isEmpty, let parts = control.receive() else {
                    continue
                }
                handle(parts, on: control)
            }
        }
        publish("status", ["execution_state": "starting"], parent: nil)
        while !stopping.load(ordering: .relaxed) {
            let ready = ZMQSocket.poll([shell, stdin], milliseconds: 100)
            if ready.contains(1) { _ = stdin.receive() }  // no input is ever requested
            guard ready.contains(0), let parts = shell.receive() else { continue }
            handle(parts, on: shell)
        }
        Thread.sleep(forTimeInterval: 0.1)  // let the last replies leave
    }

    private func handle(_ parts: [Data], on socket: ZMQSocket) {
        let request: KernelMessage
        do { request = try KernelMessage(parts: parts, key: key) } catch {
            log("moco kernel: refused a message: \(error)")
            return
        }
        let onShell = socket === shell
        // The control thread answers only what must reach a busy kernel; the session is the shell thread's.
        guard onShell || ["kernel_info_request", "interrupt_request", "shutdown_request"].contains(request.type) else {
            log("moco kernel: ignored a \(request.type) on the control channel (it belongs on shell)")
            return
        }
        if onShell { current = request }
        publish("status", ["execution_state": "busy"], parent: request)
        defer { publish("status", ["execution_state": "idle"], parent: request) }
        switch request.type {
        case "kernel_info_request": reply(socket, to: request, "kernel_info_reply", Self.info)
        case "execute_request" where onShell: execute(request)
        case "complete_request":
            let code = request.content["code"] as? String ?? ""
            let result = cells.complete(
                code, cursor: request.content["cursor_pos"] as? Int ?? code.unicodeScalars.count)
            reply(
                socket, to: request, "complete_reply",
                [
                    "status": "ok", "matches": result.matches, "cursor_start": result.start,
                    "cursor_end": result.end, "metadata": [:]
                ])
        case "inspect_request":
            let code = request.content["code"] as? String ?? ""
            let text = cells.inspect(code, cursor: request.content["cursor_pos"] as? Int ?? code.unicodeScalars.count)
            reply(
                socket, to: request, "inspect_reply",
                ["status": "ok", "found": text != nil, "data": text.map { ["text/plain": $0] } ?? [:], "metadata": [:]])
        case "is_complete_request":
            let status = KernelSession.completeness(request.content["code"] as? String ?? "")
            reply(
                socket, to: request, "is_complete_reply",
                status == "incomplete" ? ["status": status, "indent": "  "] : ["status": status])
        case "history_request":
            let output = request.content["output"] as? Bool ?? false
            let history = cells.history.map { cell -> [Any] in
                [0, cell.count, output ? [cell.code, cell.output ?? NSNull()] as [Any] : cell.code]
            }
            let n = request.content["n"] as? Int ?? history.count
            reply(socket, to: request, "history_reply", ["status": "ok", "history": Array(history.suffix(n))])
        case "comm_info_request": reply(socket, to: request, "comm_info_reply", ["status": "ok", "comms": [:]])
        case "interrupt_request":
            Kernel.interrupts.add(1, ordering: .relaxed)
            reply(socket, to: request, "interrupt_reply", ["status": "ok"])
        case "shutdown_request":
            let restart = request.content["restart"] as? Bool ?? false
            reply(socket, to: request, "shutdown_reply", ["status": "ok", "restart": restart])
            stopping.store(true, ordering: .relaxed)
        default:
            log(
                "moco kernel: ignored a message of unknown type \(request.type) on the \(onShell ? "shell" : "control") channel"
            )
        }
    }

    private func execute(_ request: KernelMessage) {
        let code = request.content["code"] as? String ?? ""
        let silent = request.content["silent"] as? Bool ?? false
        let store = (request.content["store_history"] as? Bool ?? true) && !silent
        _ = Kernel.interrupts.exchange(0, ordering: .relaxed)
        if !silent {
            publish("execute_input", ["code": code, "execution_count": cells.executionCount + 1], parent: request)
        }
        switch cells.execute(code, count: store, cell: request.metadata["cellId"] as? String) {
        case .success(let value):
            if let value, !silent {
                publish(
                    "execute_result",
                    [
                        "execution_count": cells.executionCount, "data": KernelSession.data(of: value), "metadata": [:]
                    ], parent: request)
            }
            var expressions: [String: Any] = [:]
            for (name, expression) in request.content["user_expressions"] as? [String: String] ?? [:] {
                switch cells.execute(expression, count: false) {
                case .success(let value):
                    expressions[name] = [
                        "status": "ok", "data": KernelSession.data(of: value ?? .nil), "metadata": [:]
                    ]
                case .failure(let box):
                    expressions[name] = [
                        "status": "error", "ename": box.failure.ename, "evalue": box.failure.evalue,
                        "traceback": box.failure.traceback
                    ]
                }
            }
            reply(
                shell, to: request, "execute_reply",
                ["status": "ok", "execution_count": cells.executionCount, "user_expressions": expressions])
        case .failure(let box):
            let error: [String: Any] = [
                "ename": box.failure.ename, "evalue": box.failure.evalue, "traceback": box.failure.traceback
            ]
            if !silent { publish("error", error, parent: request) }
            reply(
                shell, to: request, "execute_reply",
                error.merging(["status": "error", "execution_count": cells.executionCount]) { a, _ in a })
        }
    }

    /// What `kernel_info_request` answers.
    static var info: [String: Any] {
        [
            "status": "ok", "protocol_version": "5.3", "implementation": "moco",
            "implementation_version": MocoVersion.string,
            "language_info": [
                "name": "moco", "version": MocoVersion.string, "mimetype": "text/x-moco", "file_extension": ".moco",
                "codemirror_mode": "ruby", "pygments_lexer": "ruby"
            ],
            "banner": "moco \(MocoVersion.string): Momentum Contrast, a language and a lab (help() lists the builtins)",
            "help_links": [] as [Any]
        ]
    }
}

extension KernelSession {
    /// A value's representations: its text, and an HTML table for a record.
    static func data(of value: Value) -> [String: Any] {
        var data: [String: Any] = ["text/plain": value.repr]
        if case .record(let record) = value {
            let rows = record.keys.map { key in
                "<tr><th>\(HTMLText.escape(key))</th><td>\(HTMLText.escape(record[key]?.repr ?? ""))</td></tr>"
            }
            data["text/html"] = "<table>\(rows.joined())</table>"
        }
        return data
    }
}
