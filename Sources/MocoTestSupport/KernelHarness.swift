import Foundation

/// The moco kernel driven by Jupyter's own client: Python from the venv of scripts/jupyter-venv (which scripts/test
/// makes and names in `MOCO_JUPYTER_VENV`) against the release build's `moco`.
public enum KernelHarness {
    /// The package's root folder.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// The release build's `moco`.
    public static let binary = root.appendingPathComponent(".build/release/moco")
    static let venv = ProcessInfo.processInfo.environment["MOCO_JUPYTER_VENV"].map { URL(fileURLWithPath: $0) }
    static let python = venv?.appendingPathComponent("bin/python")
    /// Whether the venv's Python and the release build are there.
    public static var available: Bool {
        python.map { FileManager.default.isExecutableFile(atPath: $0.path) } ?? false
            && FileManager.default.isExecutableFile(atPath: binary.path)
    }
    public static let reason: String =
        "needs the Jupyter venv (scripts/test makes it: MOCO_JUPYTER_VENV) and the release build"

    /// Installs the kernelspec under a fresh prefix, runs `script` with `arguments` in the venv's Python with
    /// JUPYTER_PATH pointing there, and returns its status and output.
    public static func run(_ script: URL, _ arguments: [String] = [], timeout: TimeInterval) async throws -> (
        Int32, String
    ) {
        guard let python else { return (127, "no Jupyter venv: \(reason)") }
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("moco-kernel-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let (status, output) = try await Subprocess.run(
            binary, ["kernel", "install", "--prefix", prefix.path], in: root, timeout: 60)
        guard status == 0 else { return (status, "moco kernel install failed: \(output)") }
        return try await Subprocess.run(
            python, [script.path] + arguments, in: prefix,
            environment: [
                "JUPYTER_PATH": prefix.appendingPathComponent("share/jupyter").path,
                "JUPYTER_RUNTIME_DIR": prefix.appendingPathComponent("runtime").path
            ], timeout: timeout)
    }
}
