/// JSON text written by hand where a serializer's choices (key order, escaping of `/`) must not vary.
public enum JSONText {
    /// `s` as a JSON string literal, quotes included: `"`, `\` and control characters escaped, everything else as is.
    public static func quoted(_ s: String) -> String {
        var r = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\r": r += "\\r"
            case "\t": r += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                r += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: r.unicodeScalars.append(u)
            }
        }
        return r + "\""
    }
}
