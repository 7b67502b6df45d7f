import Foundation
import MocoScript

/// `moco render --watch`: renders, then renders again whenever the notebook or a file it read (a dataset, an included
/// script, weights) changes, until `stop` says so. Each render goes through the cell cache, so only the cells that
/// depend on the change run; a render stopped part-way keeps nothing.
public struct Watcher {
    public var renderer: Renderer
    /// Seconds between two looks at the watched files.
    public var interval: TimeInterval = 0.5
    /// Asked between looks and during renders (Ctrl-C).
    public var stop: () -> Bool
    /// Hears each finished render, or the error that stopped it (a script error is in the report instead).
    public var rendered: (Result<Renderer.Result, any Error>) -> Void

    public init(
        renderer: Renderer, stop: @escaping () -> Bool,
        rendered: @escaping (Result<Renderer.Result, any Error>) -> Void
    ) {
        (self.renderer, self.stop, self.rendered) = (renderer, stop, rendered)
        self.renderer.interrupted = stop
    }

    /// Watches `file` until `stop`.
    public func watch(_ file: URL) {
        var watched = [file.standardizedFileURL.path]
        while !stop() {
            // Stamps from before the render, so a change made while it ran starts the next one.
            var before: [String: String?] = [:]
            for path in watched { before[path] = InputFingerprint.stamp(of: path) }
            do {
                let result = try renderer.render(file)
                watched = [file.standardizedFileURL.path] + result.inputs
                rendered(.success(result))
            } catch is Renderer.RenderInterrupted {
                return
            } catch {
                rendered(.failure(error))
            }
            let baseline = watched.map { before[$0] ?? InputFingerprint.stamp(of: $0) }
            renderer.progress("watching \(watched.count) file\(watched.count == 1 ? "" : "s"); Ctrl-C stops")
            while !stop(), watched.map({ InputFingerprint.stamp(of: $0) }) == baseline {
                Thread.sleep(forTimeInterval: interval)
            }
        }
    }
}
