import MocoTensor

/// `#| arithmetic: portable` (or `native`): the arithmetic a script or notebook asks for, as an option line at the top
/// of the file or of any code cell. It is read before anything runs: `moco run` and `moco render` start again in
/// portable mode when a file asks for it (`Arithmetic`), and a session that cannot (the kernel, the REPL, a render
/// inside another program) refuses the file instead of computing other bits than it promises.
public enum ArithmeticDirective {
    /// The option's key.
    public static let key = "arithmetic"
    /// The values it takes.
    public static let modes = ["portable", "native"]

    /// The mode `text` asks for (`portable` or `native`), nil when it names none. Throws, at the line, for an unknown
    /// value or two cells that disagree.
    public static func requested(in text: String, name: String) throws -> String? {
        var found: (mode: String, line: Int)?
        var atTop = true
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("# %%") {
                atTop = true
                continue
            }
            guard atTop, let option = CellOptions.option(line) else {
                atTop = false
                continue
            }
            guard option.key == key else { continue }
            // Registered only for an error (a kernel checks every cell).
            var loc: Loc { Loc(file: SourceFiles.register(name: name, text: text), line: i + 1, column: 1) }
            guard modes.contains(option.value) else {
                throw ScriptError(
                    .syntax, "arithmetic: '\(option.value)' is not a mode", at: loc,
                    notes: ["expected: #| arithmetic: portable, or #| arithmetic: native"])
            }
            if let found, found.mode != option.value {
                throw ScriptError(
                    .syntax, "arithmetic: \(option.value) here, but line \(found.line) asks for \(found.mode)", at: loc)
            }
            found = (option.value, i + 1)
        }
        return found?.mode
    }

    /// Refuses `text` when it asks for another arithmetic than this process runs, saying how to get it.
    public static func check(_ text: String, name: String, restart: String) throws {
        guard let mode = try requested(in: text, name: name), mode != Arithmetic.mode else { return }
        let now = Arithmetic.description
        let message =
            mode == "portable"
            ? "\(name) asks for portable arithmetic, and this session computes natively (\(now)); \(restart)"
            : "\(name) asks for native arithmetic, and this session is portable (\(now)); start it without --portable"
        throw ScriptError(.usage, message, at: nil)
    }
}
