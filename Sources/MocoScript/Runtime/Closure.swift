import MocoTensor

/// A user function with the frame it was defined in (a closure).
public final class Closure {
    public let decl: FunctionDecl
    let captured: Frame

    init(_ decl: FunctionDecl, captured: Frame) { (self.decl, self.captured) = (decl, captured) }
}

/// One parameter of a builtin: its name and, when optional, its default.
///
/// Sendable because builtins are shared by every interpreter, on any thread: its default is a
/// literal (a number, string, bool, nil or a list of them), never an engine object, so nothing in
/// it is mutable. The compiler cannot check that `Value` is used so.
public struct Param: @unchecked Sendable {
    public let name: String
    /// nil: required.
    public let defaultValue: Value?
    /// Written as it is documented (`0.9`, `nil`, `"step"`).
    public var defaultText: String? { defaultValue?.repr }

    public static func required(_ name: String) -> Param { Param(name: name, defaultValue: nil) }
    public static func optional(_ name: String, _ value: Value = .nil) -> Param {
        Param(name: name, defaultValue: value)
    }
}
