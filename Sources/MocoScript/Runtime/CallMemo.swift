import Foundation

/// The result of an expensive call (training, t-SNE, an evaluation) kept by a notebook's cell
/// cache, so that replaying a cached cell to rebuild the session does not redo the work.
public enum MemoRecord: Sendable {
    case number(Double)
    case embedding(points: [Double], divergence: Double)
    /// A training checkpoint (`Checkpoint.save`) and whether the run was interrupted.
    case checkpoint(URL, interrupted: Bool)
}

/// Where expensive builtins look up and leave their results. While a cached cell is replayed,
/// `recall` hands back the results of its original run in order; while a cell runs for real,
/// `recall` answers nil and `record` keeps what the calls produced.
public protocol CallMemo: AnyObject {
    func recall(_ kind: String) -> MemoRecord?
    func record(_ kind: String, _ value: MemoRecord)
    /// A new file for a record's payload (a checkpoint), inside the memo's folder.
    func newFile(_ kind: String, extension: String) -> URL?
}

extension Interpreter {
    /// `body`'s number, or the memo's record of it.
    func memoized(_ kind: String, _ body: () throws -> Double) rethrows -> Double {
        if case .number(let x)? = memo?.recall(kind) { return x }
        let x = try body()
        memo?.record(kind, .number(x))
        return x
    }
}
