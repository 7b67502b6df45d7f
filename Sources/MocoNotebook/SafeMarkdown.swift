import Foundation
import MocoSupport
import MocoTensor

/// Prose and output from a notebook made safe for the Markdown and ipynb reports, which other
/// programs render: raw HTML is escaped, links to `javascript:`, `vbscript:`, `data:` (any
/// scheme but http, https and mailto) lose their link, and output goes into a code fence longer
/// than any run of backquotes inside it.
enum SafeMarkdown {
    /// Whether a link target may be clickable: http, https, mailto, or a relative reference.
    static func isSafeURL(_ url: String) -> Bool {
        // Browsers ignore whitespace and controls inside a scheme ("java\tscript:"): so do we.
        let squeezed = String(url.unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F }).lowercased()
        guard let colon = squeezed.firstIndex(of: ":") else { return true }
        let beforeColon = squeezed[..<colon]
        if beforeColon.contains(where: { "/?#".contains($0) }) { return true }  // a colon in a path or query
        return ["http", "https", "mailto"].contains(String(beforeColon))
    }

    private static let link = try! NSRegularExpression(pattern: #"\[([^\]\n]*)\]\(([^)\n]*)\)"#)
    private static let definition = try! NSRegularExpression(pattern: #"^( {0,3})\[([^\]\n]+)\]:\s*(\S+)"#)

    /// A prose cell's Markdown with raw HTML escaped and unsafe links unlinked; fenced code and
    /// code spans are left as written.
    static func prose(_ text: String) -> String {
        var out: [String] = []
        var fence: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let open = fence {
                out.append(line)
                if trimmed.hasPrefix(open) && trimmed.allSatisfy({ $0 == open.first }) { fence = nil }
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                fence = String(trimmed.prefix { $0 == trimmed.first })
                out.append(line)
                continue
            }
            out.append(inline(line))
        }
        return out.joined(separator: "\n")
    }

    /// One line outside code blocks: code spans kept, `<` escaped, unsafe links unlinked.
    static func inline(_ line: String) -> String {
        var result = ""
        var plain = ""
        let chars = Array(line)
        var i = 0
        func flush() {
            result += unlink(
                plain.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;"))
            plain = ""
        }
        while i < chars.count {
            if chars[i] == "`" {
                var run = 0
                while i + run < chars.count, chars[i + run] == "`" { run += 1 }
                // The closing run of the same length, if any.
                var j = i + run
                var close: Int?
                while j < chars.count {
                    if chars[j] == "`" {
                        var r = 0
                        while j + r < chars.count, chars[j + r] == "`" { r += 1 }
                        if r == run {
                            close = j
                            break
                        }
                        j += r
                    } else {
                        j += 1
                    }
                }
                if let close {
                    flush()
                    result += String(chars[i..<(close + run)])
                    i = close + run
                    continue
                }
            }
            plain.append(chars[i])
            i += 1
        }
        flush()
        return result
    }

    private static func unlink(_ text: String) -> String {
        let ns = text as NSString
        var out = text
        for m in link.matches(in: text, range: NSRange(location: 0, length: ns.length)).reversed() {
            let url = ns.substring(with: m.range(at: 2)).replacingOccurrences(of: "&amp;", with: "&")
                .replacingOccurrences(of: "&lt;", with: "<")
            guard !isSafeURL(url) else { continue }
            out = (out as NSString).replacingCharacters(in: m.range, with: ns.substring(with: m.range(at: 1)))
        }
        let all = NSRange(location: 0, length: (out as NSString).length)
        if let m = definition.firstMatch(in: out, range: all),
            !isSafeURL((out as NSString).substring(with: m.range(at: 3)))
        {
            out = "\\" + out.trimmingCharacters(in: .whitespaces)  // a literal "[", no longer a link definition
        }
        return out
    }

    /// `text` in a fenced block that nothing inside can close, with controls made visible.
    static func fenced(_ text: String, info: String = "text") -> [String] {
        var longest = 0
        var run = 0
        for c in text {
            run = c == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return [fence + info, VisibleText.escape(text), fence]
    }

    /// Text for an image's alt text or a heading: one line, brackets and HTML escaped.
    static func label(_ text: String) -> String {
        var out = ""
        for c in VisibleText.escape(text, keepLines: false) {
            switch c {
            case "[", "]", "\\", "*", "_", "`": out += "\\\(c)"
            case "<": out += "&lt;"
            case "&": out += "&amp;"
            default: out.append(c)
            }
        }
        return out
    }
}
