import Foundation
import MocoSupport

/// Why a plot could not be drawn.
public enum PlotError: Error, CustomStringConvertible, Equatable {
    /// No `gnuplot` on PATH; the data was still written to `data`.
    case gnuplotMissing(data: String)
    /// gnuplot stopped with an error: its message, and the script it ran.
    case gnuplotFailed(script: String, message: String)
    /// The figure cannot be drawn (no data, bad size).
    case badFigure(String)
    case cannotWrite(String)

    public var description: String {
        switch self {
        case .gnuplotMissing(let data):
            return
                "gnuplot is not installed (install Debian's gnuplot-nox: apt-get install -y gnuplot-nox); the data was written to \(data)"
        case .gnuplotFailed(let script, let message):
            return "gnuplot failed on \(script): \(message)"
        case .badFigure(let why): return "cannot plot: \(why)"
        case .cannotWrite(let why): return why
        }
    }
}
