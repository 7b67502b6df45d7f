/// Distinct elements in the order of their first insertion (the files a session or a render read, as its report
/// lists them).
public struct OrderedSet<Element: Hashable & Sendable>: Sendable {
    /// The elements, in the order they were first added.
    public private(set) var elements: [Element] = []
    private var members: Set<Element> = []

    public init() {}

    /// Adds `element` unless it is already there; returns whether it was added.
    @discardableResult
    public mutating func append(_ element: Element) -> Bool {
        guard members.insert(element).inserted else { return false }
        elements.append(element)
        return true
    }

    /// Adds each element of `sequence` that is not there yet, in order.
    public mutating func append(contentsOf sequence: some Sequence<Element>) {
        for element in sequence { append(element) }
    }
}
