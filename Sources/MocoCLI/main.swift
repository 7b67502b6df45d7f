import ArgumentParser
import Foundation
import MocoScript

// `moco help TOPIC` shows a builtin's documentation; everything else goes to the parser.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "help", arguments.count >= 2 {
    if arguments[1] == "--markdown" {
        print(BuiltinLibrary.markdown, terminator: "")
        exit(0)
    }
    if let b = BuiltinLibrary.lookup(arguments[1]) {
        print(BuiltinLibrary.help(b))
        exit(0)
    }
    if !["run", "check", "render"].contains(arguments[1]) {
        FileHandle.standardError.write("moco: no builtin or command named '\(arguments[1])'; 'moco help' lists the commands and 'moco help builtins' the builtins\n".data(using: .utf8)!)
        exit(64)
    }
}
if arguments == ["help", "builtins"] {
    print(BuiltinLibrary.overview)
    exit(0)
}
MocoCommand.main()
