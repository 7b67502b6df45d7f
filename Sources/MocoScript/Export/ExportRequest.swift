import Foundation

/// `moco export`: run a script up to its `call`-th `train(...)` without training, and write that call's recipe as a
/// PyTorch project into `directory`. Earlier `train` calls return untrained runs. Set it on the interpreter
/// (`Interpreter.exportRequest`) before running the script.
public final class ExportRequest {
    public let directory: URL
    /// Which `train` call to export, from 1.
    public let call: Int
    /// The `train` calls seen so far.
    public internal(set) var seen = 0
    /// The recipe written, once the call is reached.
    public internal(set) var written: Written?

    /// What was written: the recipe's main figures, for the command's summary.
    public struct Written {
        public let data: String
        public let epochs: Int
        public let batch: Int
        public let files: [String]
    }

    public init(directory: URL, call: Int = 1) {
        (self.directory, self.call) = (directory, call)
    }
}

/// Thrown through the script once the requested recipe is written, to stop the rest of it from running.
public struct ExportFinished: Error {}
