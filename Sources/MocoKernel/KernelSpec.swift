import Foundation
import MocoSupport

/// `moco kernel install`: the kernelspec that lets Jupyter start moco (`kernel.json` and a logo) in
/// `~/.local/share/jupyter/kernels/moco` (`--user`) or `PREFIX/share/jupyter/kernels/moco` (`--prefix`).
public enum KernelSpec {
    /// Writes the kernelspec for the moco executable at `executable` under `prefix` (nil: the user's data folder);
    /// returns its folder.
    public static func install(executable: URL, prefix: URL?, portable: Bool = false) throws -> URL {
        let base =
            prefix?.appendingPathComponent("share/jupyter")
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/jupyter")
        let folder = base.appendingPathComponent(portable ? "kernels/moco-portable" : "kernels/moco")
        let spec: [String: Any] = [
            "argv": [executable.standardizedFileURL.path, "kernel", "-f", "{connection_file}"]
                + (portable ? ["--portable"] : []),
            "display_name": portable ? "moco (portable)" : "moco", "language": "moco", "interrupt_mode": "signal",
            "metadata": ["debugger": false]
        ]
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let json = try JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys])
            try AtomicFile.write(json + Data("\n".utf8), to: folder.appendingPathComponent("kernel.json"))
            for size in [32, 64] {
                try AtomicFile.write(
                    Logo.png(size: size), to: folder.appendingPathComponent("logo-\(size)x\(size).png"))
            }
        } catch {
            throw KernelError("cannot write the kernelspec in \(folder.path): \(error)")
        }
        return folder
    }
}
