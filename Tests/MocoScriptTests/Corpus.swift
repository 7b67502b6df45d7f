import Foundation

/// One case of the golden corpus: a piece of a `Scripts/*.moco` file between `# ---` lines,
/// with the output lines it must print (`# expect: ...`) or the errors it must raise
/// (`# expect error: line:col: message`, lines counted from the case's first line).
struct CorpusCase: CustomStringConvertible, Sendable {
    let file: String
    let path: String
    let startLine: Int
    let text: String
    let expectedOutput: [String]
    let expectedErrors: [String]

    var description: String { "\(file):\(startLine)" }

    static let directory = Bundle.module.url(forResource: "Scripts", withExtension: nil)!

    static let all: [CorpusCase] = {
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        return files.filter { $0.pathExtension == "moco" }.sorted { $0.path < $1.path }.flatMap(parse)
    }()

    static func parse(_ url: URL) -> [CorpusCase] {
        let lines = (try? String(contentsOf: url, encoding: .utf8))?.components(separatedBy: "\n") ?? []
        var cases: [CorpusCase] = []
        var start = 1
        var body: [String] = []
        var output: [String] = []
        var errors: [String] = []
        func flush() {
            if body.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("#") }) {
                cases.append(
                    CorpusCase(
                        file: url.lastPathComponent, path: url.path, startLine: start,
                        text: body.joined(separator: "\n"),
                        expectedOutput: output, expectedErrors: errors))
            }
            body = []
            output = []
            errors = []
        }
        for (i, line) in lines.enumerated() {
            if line.hasPrefix("# ---") {
                flush()
                start = i + 2
                continue
            }
            body.append(line)
            if let r = line.range(of: "# expect error: ") {
                errors.append(String(line[r.upperBound...]))
            } else if let r = line.range(of: "# expect: ") {
                output.append(String(line[r.upperBound...]))
            }
        }
        flush()
        return cases
    }
}
