import Foundation

/// What one cell produced, in order.
public enum CellOutput: Equatable, Sendable {
    /// Printed lines.
    case text(String)
    /// The value of the cell's last expression, as the REPL shows it.
    case value(String)
    /// A plot: its file name in the report's assets folder, the PNG bytes, its title.
    case image(file: String, png: Data, title: String)
    /// The per-epoch lines of training calls, without their timings (shown collapsed).
    case log(String)
    /// The error that stopped the notebook (file:line:col, the line, a caret).
    case error(String)
}

/// A cell with its outputs.
public struct CellResult: Sendable {
    public let cell: Cell
    public var outputs: [CellOutput]
}
