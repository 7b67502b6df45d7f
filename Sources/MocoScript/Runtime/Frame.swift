/// The values of one scope at run time (see `Resolver`): globals, a function call, a loop
/// iteration or a block. Closures keep their defining frame alive.
final class Frame {
    var slots: [Value]
    let parent: Frame?

    init(size: Int, parent: Frame?) {
        slots = Array(repeating: .nil, count: size)
        self.parent = parent
    }

    @inline(__always)
    func ancestor(_ hops: Int) -> Frame {
        var f = self
        for _ in 0..<hops { f = f.parent! }
        return f
    }
}

/// How a statement finished.
enum Flow {
    case normal
    case breakLoop
    case continueLoop
    case returned(Value)
}
