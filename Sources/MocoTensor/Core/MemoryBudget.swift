import Foundation

/// Refuses allocations that cannot fit: a request larger than the memory the system has
/// available is an error naming the sizes, not an abort or a machine brought to a crawl.
///
/// The budget is the kernel's `MemAvailable` (Linux) or, elsewhere, the physical memory;
/// `MOCO_MEMORY_MB` lowers it (tests, shared machines).
public enum MemoryBudget {
    /// Requests below this many bytes are not checked (reading the budget costs a file read).
    static let uncheckedBytes = 64 << 20

    /// The bytes an allocation may take now.
    public static var availableBytes: Int {
        var budget = systemAvailableBytes()
        if let s = ProcessInfo.processInfo.environment["MOCO_MEMORY_MB"], let mb = Int(s), mb > 0, mb < Int.max >> 20 {
            budget = min(budget, mb << 20)
        }
        return budget
    }

    /// Throws when `bytes` (for `what`, e.g. "zeros [100000, 100000]") exceed the budget.
    public static func check(bytes: Int, for op: String, _ what: @autoclosure () -> String) throws {
        guard bytes >= uncheckedBytes else { return }
        let available = availableBytes
        if bytes > available {
            throw TensorError(
                op, "\(what()) needs \(format(bytes)), more than the \(format(available)) of memory available")
        }
    }

    /// `elements` float32 values as bytes, or nil when that overflows.
    public static func floatBytes(_ elements: Int) -> Int? {
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
        return overflow ? nil : bytes
    }

    /// `1.5 GiB`, `320 MiB`.
    public static func format(_ bytes: Int) -> String {
        let gib = Double(bytes) / Double(1 << 30)
        if gib >= 1 { return gib >= 1e6 ? String(format: "%.3g GiB", gib) : String(format: "%.1f GiB", gib) }
        return String(format: "%.0f MiB", Double(bytes) / Double(1 << 20))
    }

    private static func systemAvailableBytes() -> Int {
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
                let fields = line.split(separator: " ")
                if fields.count >= 2, let kb = Int(fields[1]) { return kb << 10 }
            }
        }
        return Int(clamping: ProcessInfo.processInfo.physicalMemory)
    }
}

/// The product of `factors`, or nil when it overflows `Int` (sizes read from files and scripts).
public func checkedProduct(_ factors: [Int]) -> Int? {
    var product = 1
    for f in factors {
        let (p, overflow) = product.multipliedReportingOverflow(by: f)
        if overflow { return nil }
        product = p
    }
    return product
}

/// The number of elements of `shape`, or an error for a negative dimension, a product that
/// overflows, or one that does not fit in memory.
func checkedCount(_ shape: [Int], op: String) throws -> Int {
    if let bad = shape.first(where: { $0 < 0 }) {
        throw TensorError(op, "shape \(describe(shape)) has a negative dimension \(bad)")
    }
    var count = 1
    for d in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: d)
        guard !overflow, product <= Int.max / 8 else {
            throw TensorError(op, "shape \(describe(shape)) has more elements than can be addressed")
        }
        count = product
    }
    guard let bytes = MemoryBudget.floatBytes(count) else {
        throw TensorError(op, "shape \(describe(shape)) has more elements than can be addressed")
    }
    try MemoryBudget.check(bytes: bytes, for: op, "shape \(describe(shape))")
    return count
}
