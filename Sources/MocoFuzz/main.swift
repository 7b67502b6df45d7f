import CFuzzDriver
import Foundation
import MocoFuzzing

/// `moco-fuzz`: runs the fuzz harnesses (see README, "Safety").
///
///     moco-fuzz list
///     moco-fuzz seeds DIR                      write the generated seeds under DIR/TARGET/
///     moco-fuzz run TARGET SEEDS [--runs N] [--seconds S] [--seed K]
///                                              bounded mutation fuzzing from the seed folder
///     moco-fuzz replay TARGET FILE...          each file once (a crash reproduces)
///     moco-fuzz libfuzzer TARGET [FLAGS] [CORPUS...]
///                                              coverage-guided, in a build made by scripts/fuzz
let usage = """
    usage: moco-fuzz list | seeds DIR | run TARGET SEEDS [--runs N] [--seconds S] [--seed K]
           | replay TARGET FILE... | libfuzzer TARGET [libFuzzer flags] [corpus folders]
    """

func fail(_ message: String, status: Int32 = 64) -> Never {
    FileHandle.standardError.write(Data("moco-fuzz: \(message)\n".utf8))
    exit(status)
}

func harness(_ name: String?) -> Harness {
    guard let name else { fail(usage) }
    guard let h = Harnesses.named(name) else {
        fail("unknown target '\(name)'; targets: \(Harnesses.all.map(\.name).joined(separator: ", "))")
    }
    return h
}

/// The harness libFuzzer calls (a C callback cannot capture it). `nonisolated(unsafe)`: set once
/// before the fuzzing driver starts, then only read, by the driver's one thread.
nonisolated(unsafe) var selected: Harness?

var arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "list":
    for h in Harnesses.all { print("\(h.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(h.summary)") }
case "seeds":
    guard arguments.count == 2 else { fail(usage) }
    let root = URL(fileURLWithPath: arguments[1])
    do {
        for (target, files) in try SeedMaker.seeds().sorted(by: { $0.key < $1.key }) {
            let folder = root.appendingPathComponent(target)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (name, data) in files { try data.write(to: folder.appendingPathComponent(name)) }
            print("\(target): \(files.count) seed\(files.count == 1 ? "" : "s")")
        }
    } catch { fail("\(error)", status: 1) }
case "run":
    guard arguments.count >= 3 else { fail(usage) }
    let h = harness(arguments[1])
    var runs = Int.max
    var seconds = Double.infinity
    var seed: UInt64 = 0
    var i = 3
    while i < arguments.count {
        guard i + 1 < arguments.count else { fail(usage) }
        switch arguments[i] {
        case "--runs": runs = Int(arguments[i + 1]) ?? { fail("--runs takes a whole number") }()
        case "--seconds": seconds = Double(arguments[i + 1]) ?? { fail("--seconds takes a number") }()
        case "--seed": seed = UInt64(arguments[i + 1]) ?? { fail("--seed takes a whole number") }()
        default: fail(usage)
        }
        i += 2
    }
    let seeds: [[UInt8]]
    do { seeds = try Campaign.seeds(in: URL(fileURLWithPath: arguments[2])) } catch {
        fail("cannot read the seeds: \(error)", status: 66)
    }
    let crashFile = "crash-\(h.name)-\(ProcessInfo.processInfo.processIdentifier).bin"
    moco_fuzz_write_crashes_to(crashFile)
    var current: [UInt8] = []
    let start = Date()
    let executed = Campaign(harness: h, seeds: seeds).run(runs: runs, seconds: seconds, seed: seed) { input in
        current = input
        current.withUnsafeBufferPointer { moco_fuzz_set_current($0.baseAddress, $0.count) }
    }
    let elapsed = Date().timeIntervalSince(start)
    print("\(h.name): \(executed) inputs (\(seeds.count) seeds) in \(String(format: "%.1f", elapsed)) s, no crash")
case "replay":
    guard arguments.count >= 3 else { fail(usage) }
    let h = harness(arguments[1])
    for path in arguments.dropFirst(2) {
        guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)", status: 66) }
        h(data)
        print("\(path): no crash")
    }
case "libfuzzer":
    guard moco_fuzz_has_libfuzzer() != 0 else {
        fail("this build has no libFuzzer; build it with scripts/fuzz", status: 69)
    }
    selected = harness(arguments.count > 1 ? arguments[1] : nil)
    // libFuzzer sees the program name, then its own flags and corpus folders.
    var rest = [CommandLine.arguments[0]] + arguments.dropFirst(2)
    var cStrings = rest.map { strdup($0) } + [nil]
    var argc = Int32(rest.count)
    let status = cStrings.withUnsafeMutableBufferPointer { buffer -> Int32 in
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
        return moco_fuzz_run_libfuzzer(&argc, &argv) { data, size in
            selected?(Data(bytes: data!, count: size))
            return 0
        }
    }
    rest.removeAll()
    exit(status)
default:
    fail(usage)
}
