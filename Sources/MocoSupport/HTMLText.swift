/// Text for HTML: what the reports and the kernel's rich outputs put between tags or in attribute values.
public enum HTMLText {
    /// `s` as HTML text or attribute value, with control and bidirectional characters spelled out (`VisibleText`).
    public static func escape(_ s: String) -> String {
        var out = ""
        for c in VisibleText.escape(s) {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
