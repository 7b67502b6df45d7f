import Foundation

/// Ctrl-C for `moco run`: the first SIGINT asks training, t-SNE and evaluations to stop at
/// their next step (and stays set, so later ones stop at once while the script's saves still
/// run); a second one ends the process at once with status 130.
enum Interrupts {
    nonisolated(unsafe) private static var count: Int32 = 0

    /// Whether Ctrl-C was pressed.
    static var requested: Bool { count > 0 }

    static func install() {
        signal(SIGINT) { _ in
            Interrupts.count += 1
            if Interrupts.count > 1 { _exit(130) }
        }
    }
}
