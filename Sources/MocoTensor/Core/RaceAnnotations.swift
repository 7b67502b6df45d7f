import Foundation

/// Tells ThreadSanitizer about the ordering that libgomp's fork and join give `parallelFor`:
/// libgomp is not instrumented, so without this every result a worker writes and the caller
/// reads after the join would be reported as a race. Present only in a ThreadSanitizer build
/// (`scripts/test --sanitize thread`), found at run time; elsewhere these do nothing.
enum RaceAnnotations {
    private typealias Annotate = @convention(c) (UnsafeMutableRawPointer?) -> Void
    private static let acquireFunction = lookup("__tsan_acquire")
    private static let releaseFunction = lookup("__tsan_release")

    private static func lookup(_ name: String) -> Annotate? {
        // RTLD_DEFAULT: the symbols of the process, which the TSan runtime adds when linked in.
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: Annotate.self) }
    }

    /// Everything this thread did before is visible to a thread that later calls `acquire(address)`.
    @inline(__always)
    static func release(_ address: UnsafeMutableRawPointer) { releaseFunction?(address) }

    /// This thread sees everything done before every earlier `release(address)`.
    @inline(__always)
    static func acquire(_ address: UnsafeMutableRawPointer) { acquireFunction?(address) }
}
