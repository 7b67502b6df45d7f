import ArgumentParser
import Foundation
import MocoScript
import MocoTensor

// Settings from the environment are checked before anything runs.
let environment = ProcessInfo.processInfo.environment
if let text = environment["MOCO_THREADS"], case .failure(let why) = Limits.threads(text) {
    FileHandle.standardError.write(Data("moco: MOCO_THREADS: \(why)\n".utf8))
    exit(64)
}
if let text = environment["MOCO_POOL_MB"], Int(text).map({ $0 < 0 || $0 > 1 << 30 }) ?? true {
    FileHandle.standardError.write(
        Data("moco: MOCO_POOL_MB must be a whole number of megabytes from 0 to \(1 << 30), got '\(text)'\n".utf8))
    exit(64)
}

// Portable arithmetic (`--portable`, or MOCO_ARITHMETIC=portable) is settled before anything runs: OpenBLAS chose its
// kernels when the process loaded it, so the program starts again with the portable settings in its environment.
if Arithmetic.portableRequested || CommandLine.arguments.dropFirst().contains("--portable") {
    do { try Arithmetic.establish(portable: true) } catch let e as TensorError {
        FileHandle.standardError.write(Data("moco: portable arithmetic is not available here: \(e.message)\n".utf8))
        exit(69)
    }
}

// `moco help TOPIC` shows a builtin's documentation; everything else goes to the parser.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments == ["help", "builtins"] {
    print(BuiltinLibrary.overview)
    exit(0)
}
if arguments.first == "help", arguments.count >= 2 {
    if arguments[1] == "--markdown" {
        print(BuiltinLibrary.markdown, terminator: "")
        exit(0)
    }
    if let text = BuiltinLibrary.help(topic: arguments[1]) {
        print(text)
        exit(0)
    }
    if !["run", "check", "render"].contains(arguments[1]) {
        FileHandle.standardError.write(
            "moco: no builtin or command named '\(arguments[1])'; 'moco help' lists the commands and 'moco help builtins' the builtins\n"
                .data(using: .utf8)!)
        exit(64)
    }
}
MocoCommand.main()
