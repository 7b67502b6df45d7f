import Foundation
import Testing

/// Golden files for user-facing text (errors, transcripts, rendered notebooks, gnuplot scripts).
public enum Golden {
    /// Whether this run records golden files (`MOCO_UPDATE_GOLDEN=1`) instead of comparing with them.
    public static var recording: Bool { ProcessInfo.processInfo.environment["MOCO_UPDATE_GOLDEN"] == "1" }

    /// Expects `text` to equal the golden file at `url`; on a mismatch, records the first differing lines as a
    /// diff. When recording, writes `text` there and records an issue all the same, so a recording run never
    /// passes: inspect the diff, then run again without `MOCO_UPDATE_GOLDEN`.
    public static func expect(_ text: String, matches url: URL, sourceLocation: SourceLocation = #_sourceLocation) {
        if recording {
            do {
                try text.write(to: url, atomically: true, encoding: .utf8)
                Issue.record(
                    "recorded \(url.lastPathComponent); inspect the diff and run again without MOCO_UPDATE_GOLDEN",
                    sourceLocation: sourceLocation)
            } catch {
                Issue.record("cannot record \(url.path): \(error)", sourceLocation: sourceLocation)
            }
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record(
                "no golden file \(url.path); record it with MOCO_UPDATE_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        guard text != expected else { return }
        let lines = diff(expected, text)
        Issue.record(
            "\(url.lastPathComponent) differs (rerun with MOCO_UPDATE_GOLDEN=1 to record):\n\(lines)",
            sourceLocation: sourceLocation)
    }

    /// The lines where `expected` and `actual` differ, as `-` / `+` pairs with their line numbers (at most 20).
    public static func diff(_ expected: String, _ actual: String) -> String {
        let a = expected.components(separatedBy: "\n")
        let b = actual.components(separatedBy: "\n")
        var out: [String] = []
        for i in 0..<max(a.count, b.count) where (i < a.count ? a[i] : nil) != (i < b.count ? b[i] : nil) {
            if out.count >= 40 {
                out.append("...")
                break
            }
            if i < a.count { out.append("-\(i + 1): \(a[i])") }
            if i < b.count { out.append("+\(i + 1): \(b[i])") }
        }
        return out.joined(separator: "\n")
    }
}
