import CBLAS
import CDNNL
import Foundation

/// The versions of the native libraries the engine runs on, for reports.
public enum NativeLibraries {
    /// OpenBLAS's build line ("OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64").
    public static var openBLAS: String {
        openblas_get_config().map { String(cString: $0).trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }

    /// OpenBLAS's version number ("0.3.21"), without the build line.
    public static var openBLASVersion: String {
        openBLAS.split(separator: " ").dropFirst().first.map(String.init) ?? "unknown"
    }

    /// oneDNN's version ("2.6.3").
    public static var oneDNN: String {
        guard let v = dnnl_version()?.pointee else { return "unknown" }
        return "\(v.major).\(v.minor).\(v.patch)"
    }
}
