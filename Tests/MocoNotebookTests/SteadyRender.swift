import Foundation
import MocoNotebook
import MocoTestSupport

/// Renders with the engine's thread count held steady: a cell's cache key and its numbers depend on the count, which
/// tests elsewhere in the process change for a moment (`ThreadCountGuard`).
extension Renderer {
    func steadyRender(_ file: URL) throws -> Result {
        try ThreadCountGuard.steady { try render(file) }
    }

    func steadyDryRun(_ file: URL) throws -> [String] {
        try ThreadCountGuard.steady { try dryRun(file) }
    }
}
