/// The `#| key: value` lines that open a notebook code cell (`echo`, `cache`, `label`, `fig-width`, ...), read the
/// same way by notebook renders and by the Jupyter kernel.
public enum CellOptions {
    /// The key and value of an option line (`#| key: value`), nil for any other line.
    public static func option(_ line: some StringProtocol) -> (key: String, value: String)? {
        guard line.hasPrefix("#| ") else { return nil }
        let pair = line.dropFirst(3).split(separator: ":", maxSplits: 1).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        return pair.count == 2 ? (pair[0], pair[1]) : nil
    }

    /// The options at the top of `code`, in order.
    public static func leading(_ code: String) -> [(key: String, value: String)] {
        code.split(separator: "\n", omittingEmptySubsequences: false).prefix { $0.hasPrefix("#| ") }
            .compactMap { option($0) }
    }

    /// `value` as a cell label (an HTML anchor, an ipynb cell id, a random stream's name) when it is a valid id:
    /// ASCII letters, digits, `-` and `_`.
    public static func label(_ value: String?) -> String? {
        guard let value, !value.isEmpty,
            value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return nil }
        return value
    }
}
