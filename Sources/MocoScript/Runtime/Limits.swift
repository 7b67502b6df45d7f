import Foundation
import MocoTensor

/// The resource limits a script runs under, in one place (the README's "Safety" section
/// lists them). Each is checked before the work starts and refused with a located error that
/// names the limit, so no script can abort the process or take the machine's memory.
public enum Limits {
    /// The largest size a builtin accepts (widths, dimensions, counts): 2^31.
    public static let maxSize = 1 << 31
    /// Items of a list built in one go (`range`, `list * n`, a range materialised).
    public static let maxListItems = 10_000_000
    /// Characters of a string built in one go (`"ab" * n`).
    public static let maxStringLength = 100_000_000
    /// Width and precision of an interpolation format (`{x:12.4f}`).
    public static let maxFormatWidth = 1_000
    /// Points sampled from a schedule by `plot(steps:)` and `schedule.values(steps:)`.
    public static let maxPlotSteps = 1_000_000
    /// Bins of a histogram.
    public static let maxBins = 100_000
    /// Rows and columns of an augmentation gallery.
    public static let maxGalleryCells = 100
    /// Side of an image an augmentation or a folder loader produces, in pixels.
    public static let maxImageSide = 4_096
    /// Gaussian blur kernel size.
    public static let maxBlurKernel = 1_023
    /// Engine threads (`--threads`, `MOCO_THREADS`).
    public static let maxThreads = Threads.maximum
    /// Names longer than this get no "did you mean" suggestion (the search is quadratic).
    public static let maxSuggestedNameLength = 64

    /// Throws a located error when `elements` float32 values (for `what`) do not fit in memory.
    static func checkMemory(elements: Int, for what: String, at loc: Loc) throws {
        guard let bytes = MemoryBudget.floatBytes(elements) else {
            throw ScriptError(.runtime, "\(what) has more elements than can be addressed", at: loc)
        }
        do { try MemoryBudget.check(bytes: bytes, for: what, what) } catch let e as TensorError {
            throw ScriptError(.runtime, e.description, at: loc)
        }
    }

    /// The product of `factors`, or a located error naming `what` when it overflows.
    static func product(_ factors: [Int], for what: String, at loc: Loc) throws -> Int {
        guard let p = checkedProduct(factors) else {
            throw ScriptError(.runtime, "\(what) has more elements than can be addressed", at: loc)
        }
        return p
    }

    /// A thread count from the command line or `MOCO_THREADS`: 1 to `maxThreads`, or nil with
    /// the reason.
    public static func threads(_ text: String) -> Result<Int, ThreadsError> {
        guard let n = Int(text.trimmingCharacters(in: .whitespaces)) else { return .failure(.notANumber(text)) }
        guard (1...maxThreads).contains(n) else { return .failure(.outOfRange(n)) }
        return .success(n)
    }

    /// A refused thread count.
    public enum ThreadsError: Error, CustomStringConvertible {
        case notANumber(String)
        case outOfRange(Int)

        public var description: String {
            switch self {
            case .notANumber(let s): return "the thread count must be a whole number, got '\(s)'"
            case .outOfRange(let n): return "the thread count must be from 1 to \(Limits.maxThreads), got \(n)"
            }
        }
    }
}

extension Value {
    /// The one checked conversion from a script number to `Int`: nil for NaN, infinities,
    /// fractions and magnitudes of 2^53 or more (beyond which doubles skip whole numbers).
    static func whole(_ x: Double) -> Int? {
        guard x.isFinite, x == x.rounded(), Swift.abs(x) < 9_007_199_254_740_992 else { return nil }
        return Int(x)
    }
}
