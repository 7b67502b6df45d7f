import Foundation
import MocoScript
import MocoSupport
import MocoTensor

/// Small HTML helpers for the report: escaping, `.moco` highlighting and a Markdown subset.
enum HTML {
    /// `s` as HTML text or attribute value, with control and bidirectional characters spelled out.
    static func escape(_ s: String) -> String { HTMLText.escape(s) }

    private static let keywords = Set(Interpreter.keywords)
    private static let builtins = Set(Interpreter.builtinNames)

    /// `.moco` code with spans for comments, strings, numbers, keywords and builtins.
    static func highlight(_ code: String) -> String {
        let chars = Array(code)
        var out = ""
        var i = 0
        func span(_ cls: String, _ text: String) { out += "<span class=\"\(cls)\">\(escape(text))</span>" }
        while i < chars.count {
            let c = chars[i]
            if c == "#" {
                var j = i
                while j < chars.count, chars[j] != "\n" { j += 1 }
                span("c", String(chars[i..<j]))
                i = j
            } else if c == "\"" {
                var j = i + 1
                while j < chars.count, chars[j] != "\"", chars[j] != "\n" { j += chars[j] == "\\" ? 2 : 1 }
                j = min(j + 1, chars.count)
                span("s", String(chars[i..<j]))
                i = j
            } else if c.isNumber {
                var j = i
                while j < chars.count,
                    chars[j].isNumber || chars[j] == "." || chars[j] == "_" || chars[j] == "e"
                        || ((chars[j] == "-" || chars[j] == "+") && chars[j - 1] == "e")
                {
                    if chars[j] == ".", j + 1 < chars.count, chars[j + 1] == "." { break }
                    j += 1
                }
                span("n", String(chars[i..<j]))
                i = j
            } else if c.isLetter || c == "_" {
                var j = i
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" { j += 1 }
                let word = String(chars[i..<j])
                let member = i > 0 && chars[i - 1] == "."
                if keywords.contains(word) {
                    span("k", word)
                } else if !member && builtins.contains(word) {
                    span("b", word)
                } else {
                    out += escape(word)
                }
                i = j
            } else {
                out += escape(String(c))
                i += 1
            }
        }
        return out
    }

    /// Markdown: headings, paragraphs, lists, fenced code, `code`, **bold**, *italic*, [links](url).
    static func markdown(_ text: String) -> String {
        var out: [String] = []
        var paragraph: [String] = []
        var list: (tag: String, items: [String])?
        var code: [String]?
        func flushParagraph() {
            if !paragraph.isEmpty { out.append("<p>" + inline(paragraph.joined(separator: " ")) + "</p>") }
            paragraph = []
        }
        func flushList() {
            if let l = list {
                out.append("<\(l.tag)>" + l.items.map { "<li>\(inline($0))</li>" }.joined() + "</\(l.tag)>")
            }
            list = nil
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if var block = code {
                if line.hasPrefix("```") {
                    out.append(
                        "<pre class=\"code\"><code>" + highlight(block.joined(separator: "\n")) + "</code></pre>")
                    code = nil
                } else {
                    block.append(raw)
                    code = block
                }
                continue
            }
            if line.hasPrefix("```") {
                flushParagraph()
                flushList()
                code = []
                continue
            }
            if line.isEmpty {
                flushParagraph()
                flushList()
                continue
            }
            if let level = heading(line) {
                flushParagraph()
                flushList()
                out.append("<h\(level)>" + inline(String(line.dropFirst(level + 1))) + "</h\(level)>")
            } else if line.hasPrefix("- ") || line.hasPrefix("* ") {
                flushParagraph()
                if list?.tag != "ul" {
                    flushList()
                    list = ("ul", [])
                }
                list!.items.append(String(line.dropFirst(2)))
            } else if let dot = line.firstIndex(of: "."), line[..<dot].allSatisfy(\.isNumber), !line[..<dot].isEmpty,
                line[line.index(after: dot)...].hasPrefix(" ")
            {
                flushParagraph()
                if list?.tag != "ol" {
                    flushList()
                    list = ("ol", [])
                }
                list!.items.append(String(line[line.index(dot, offsetBy: 2)...]))
            } else {
                flushList()
                paragraph.append(line)
            }
        }
        if let block = code {
            out.append("<pre class=\"code\"><code>" + highlight(block.joined(separator: "\n")) + "</code></pre>")
        }
        flushParagraph()
        flushList()
        return out.joined(separator: "\n")
    }

    private static func heading(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        return (1...6).contains(hashes) && line.dropFirst(hashes).hasPrefix(" ") ? hashes : nil
    }

    /// Inline Markdown on escaped text.
    static func inline(_ text: String) -> String {
        var out = ""
        let chars = Array(text)
        var i = 0
        func find(_ s: String, from: Int) -> Int? {
            let target = Array(s)
            var j = from
            while j + target.count <= chars.count {
                if Array(chars[j..<(j + target.count)]) == target { return j }
                j += 1
            }
            return nil
        }
        while i < chars.count {
            if chars[i] == "`", let end = find("`", from: i + 1) {
                out += "<code>" + escape(String(chars[(i + 1)..<end])) + "</code>"
                i = end + 1
            } else if chars[i] == "*", i + 1 < chars.count, chars[i + 1] == "*", let end = find("**", from: i + 2) {
                out += "<strong>" + inline(String(chars[(i + 2)..<end])) + "</strong>"
                i = end + 2
            } else if chars[i] == "*", let end = find("*", from: i + 1), end > i + 1 {
                out += "<em>" + inline(String(chars[(i + 1)..<end])) + "</em>"
                i = end + 1
            } else if chars[i] == "[", let close = find("](", from: i + 1), let end = find(")", from: close + 2) {
                let url = String(chars[(close + 2)..<end])
                let text = inline(String(chars[(i + 1)..<close]))
                // javascript:, vbscript:, data: and other schemes are not made clickable.
                out += SafeMarkdown.isSafeURL(url) ? "<a href=\"\(escape(url))\">" + text + "</a>" : text
                i = end + 1
            } else {
                out += escape(String(chars[i]))
                i += 1
            }
        }
        return out
    }
}
