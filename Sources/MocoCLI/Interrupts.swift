import Foundation
import Synchronization

/// Ctrl-C for `moco run`: the first SIGINT asks training, t-SNE and evaluations to stop at
/// their next step (and stays set, so later ones stop at once while the script's saves still
/// run); a second one ends the process at once with status 130.
enum Interrupts {
    /// SIGINTs received; lock-free, so the signal handler may update it.
    private static let count = Atomic<Int32>(0)

    /// Whether Ctrl-C was pressed.
    static var requested: Bool { count.load(ordering: .relaxed) > 0 }

    static func install() {
        signal(SIGINT) { _ in
            if Interrupts.count.add(1, ordering: .relaxed).newValue > 1 { _exit(130) }
        }
    }
}
