/// Text from a script or a file shown to a person, with every character that could act on a
/// terminal or hide what the text says made visible: C0 and C1 controls and DEL as `\x1b`,
/// `\x7f`, line and paragraph separators and bidirectional controls as `U+202E`.
/// Newlines and tabs stay unless `keepLines` is false (then they become `\n` and `\t`).
public enum VisibleText {
    /// `text` with its invisible and terminal-controlling characters spelled out.
    public static func escape(_ text: String, keepLines: Bool = true) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0, keepLines: keepLines) }) else { return text }
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for u in text.unicodeScalars {
            guard needsEscape(u, keepLines: keepLines) else {
                out.unicodeScalars.append(u)
                continue
            }
            switch u {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                out += u.value < 0x100 ? "\\x" + hex(u.value, digits: 2) : "U+" + hex(u.value, digits: 4)
            }
        }
        return out
    }

    /// Whether `u` is a control, separator or bidirectional formatting character.
    public static func needsEscape(_ u: Unicode.Scalar, keepLines: Bool = true) -> Bool {
        switch u.value {
        case 0x0A, 0x09: return !keepLines
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x2028, 0x2029: return true  // line and paragraph separators
        case 0x200E, 0x200F, 0x061C: return true  // directional marks
        case 0x202A...0x202E, 0x2066...0x2069: return true  // embeddings, overrides, isolates
        default: return false
        }
    }

    private static func hex(_ v: UInt32, digits: Int) -> String {
        let s = String(v, radix: 16, uppercase: v >= 0x100)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}
