import Foundation
import MocoScript

/// Training progress on a terminal: one line redrawn in place (at most 10 times a second)
/// with epoch, step, loss, kNN, images/s and ETA; epoch summaries print as lines above it.
final class StatusLine {
    private let write: (String) -> Void
    private let colour: Bool
    private var shown = false
    private var lastDraw = Date.distantPast

    init(colour: Bool, write: @escaping (String) -> Void) { (self.colour, self.write) = (colour, write) }

    func update(_ s: TrainingStatus) {
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 || s.step == s.steps else { return }
        lastDraw = now
        var line = String(format: "epoch %d/%d  step %d/%d  loss %.4f", s.epoch, s.epochs, s.step, s.steps, s.loss)
        if let knn = s.knn { line += String(format: "  kNN %.2f%%", knn * 100) }
        line += String(format: "  %.0f img/s  ETA %@", s.imagesPerSecond, Self.duration(s.secondsLeft))
        write("\r\u{1B}[2K" + (colour ? "\u{1B}[2m\(line)\u{1B}[0m" : line))
        shown = true
    }

    /// A permanent line (an epoch's summary, a message), printed above the status line.
    func print(_ line: String) {
        shown = false
        write("\r\u{1B}[2K" + line + "\n")
    }

    func clear() {
        if shown { write("\r\u{1B}[2K") }
        shown = false
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
