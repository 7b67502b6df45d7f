import Foundation
import MocoData
import MocoNN
import MocoSupport
import MocoTensor

/// Runs `.moco` programs: parse, resolve, then walk the tree. One interpreter is one session:
/// globals, the seeded generator and the output sinks persist between `run` calls (the REPL
/// and notebooks feed it piece by piece).
public final class Interpreter {
    /// Where `print` and friends write (one call per line, without the newline).
    public var output: (String) -> Void = { print(VisibleText.escape($0)) }
    /// Where training progress goes (a line per epoch); stderr by default, like tqdm.
    public var progress: (String) -> Void = {
        FileHandle.standardError.write(Data((VisibleText.escape($0) + "\n").utf8))
    }
    /// Whether `value` is the image path a plot among the session's plots from index `first` on returned: a
    /// notebook or the kernel shows that plot as the image, not the path as text.
    public func isPlotPath(_ value: Value, since first: Int) -> Bool {
        guard case .string(let s) = value else { return false }
        return plots[first...].contains { $0.files.image.path.hasSuffix(s) }
    }

    /// `moco export`: when set, `train(...)` trains nothing and its chosen call writes a PyTorch project.
    public var exportRequest: ExportRequest?
    /// Values that replace the initial value of top-level `let`s (`moco run --set NAME=VALUE`).
    public var overrides: [String: Value] = [:]
    /// When set, `seed` statements use this instead of their own value (`moco run --seed N`).
    public var seedOverride: UInt64?
    /// Directory that `include` and relative data paths start from for non-file input.
    public var baseDirectory: URL
    /// Where relative paths of written files go, when set (a notebook render's output folder); a relative path that
    /// is read is looked up there first, then in `baseDirectory`, so a cell can load what an earlier one saved.
    public var outputDirectory: URL?
    /// Where the session may write and read files (each front end confines it).
    public var fileAccess = FileAccess.unrestricted
    /// Where warnings go (gnuplot's, a discarded cache entry); stderr by default.
    public var warn: (String) -> Void = {
        FileHandle.standardError.write(Data(("warning: " + VisibleText.escape($0) + "\n").utf8))
    }

    let globals: Frame
    var frame: Frame
    let resolver: Resolver
    var generator: RandomGenerator
    private var draws: UInt64 = 0
    /// The seed of the session (`seed` statements, `--seed`); a notebook cell's stream is derived from it.
    private var baseSeed: UInt64
    var callDepth = 0
    /// Every training run of the session, in order.
    public internal(set) var runs: [RunValue] = []
    /// Where plots go: `plots/` under the working directory unless set (a notebook sets its own).
    public var plotDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(
        "plots")
    /// The cell cache's memo of expensive calls (notebooks), nil elsewhere.
    public var memo: CallMemo?
    /// The size of plots that give none (a notebook cell's `fig-width` and `fig-height`).
    public var plotSize = (width: 800, height: 500)
    /// Give each plot its own file (a number added to a name already used) instead of
    /// replacing an earlier one; notebooks keep every figure.
    public var uniquePlotFiles = false
    /// Plot names taken by cells whose outputs came from a notebook's cache without running: a plot of a later cell
    /// gets the name it would get after them.
    public var reservedPlotNames: Set<String> = []
    /// Plots written by the session, in order.
    public internal(set) var plots: [PlotRecord] = []
    /// Called after each plot is written (the REPL draws a text preview of `figure`).
    public var onPlot: ((PlotRecord) -> Void)?
    /// Files written by the session (plots, checkpoints), in order.
    public internal(set) var writtenFiles: [String] = []
    /// Files and folders the session read (datasets, included scripts, weights, checkpoints, tensors), as standardised
    /// paths in the order of their first read: reports list them and the notebook cache keys cells on them.
    public var inputFiles: [String] { inputs.elements }
    private var inputs = OrderedSet<String>()
    /// The files and folders read since the current cell began (`beginCell`), in the order of their first read.
    public var cellInputs: [String] { cellInputSet.elements }
    private var cellInputSet = OrderedSet<String>()

    /// Records that the session read `path`.
    func noteInput(_ path: String) {
        let standard = URL(fileURLWithPath: path).standardizedFileURL.path
        inputs.append(standard)
        cellInputSet.append(standard)
    }

    /// Begins a notebook cell: its list of files read starts empty and, given an `identity` (the cell's label, else
    /// its position), its random draws come from a stream of its own, derived from the session's seed and that
    /// identity, so they do not depend on which cells ran before it. `moco run` of a notebook and `moco render` give
    /// each cell the same stream.
    public func beginCell(stream identity: String?) {
        cellInputSet = OrderedSet()
        guard let identity else { return }
        generator = RandomGenerator(seed: baseSeed).stream("cell \(identity)")
        draws = 0
    }

    /// The first line and stream identity of each cell of a notebook that `run(file:)` runs (see `beginCell`).
    public var cellStreams: [(firstLine: Int, identity: String)] = []

    public init(seed: UInt64 = 0, baseDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        globals = Frame(size: 0, parent: nil)
        frame = globals
        resolver = Resolver(builtins: BuiltinLibrary.globals)
        generator = RandomGenerator(seed: seed)
        baseSeed = seed
        self.baseDirectory = baseDirectory
    }

    /// The session's current seed.
    public var seed: UInt64 { baseSeed }

    /// Polled with the interrupt request at every step boundary (the REPL reads its SIGINT flag).
    public var interruptSource: (() -> Bool)?
    /// Hears each per-epoch line of `train` and `finetune` without its timings (`progress` gets it with them):
    /// notebooks keep these lines in their reports.
    public var trainingLog: ((String) -> Void)?

    /// Called after every training step unless the run is quiet (the REPL redraws a status line).
    public var stepProgress: ((TrainingStatus) -> Void)?

    /// Reads (and, as the source does, clears) the interrupt request.
    func takeInterrupt() -> Bool { interruptSource?() ?? false }

    // MARK: Entry points

    /// Parses and resolves `text`; throws every error found.
    public func check(_ text: String, name: String) throws {
        _ = try prepare(text, name: name)
    }

    /// Runs `text` (a file's contents or one REPL input) and returns the value of its last
    /// statement when that statement is an expression.
    /// `firstLine` numbers the first line of `text` in errors (lines piped into the REPL).
    /// A top-level declaration that fails (`let q = [1][5]`), or one after it that never runs,
    /// leaves no binding behind: its name is unknown again, or keeps the value it had before.
    @discardableResult
    public func run(_ text: String, name: String, firstLine: Int = 1) throws -> Value? {
        let before = resolver.globalBindings
        var declared: Set<String> = []
        do {
            let program = try prepare(text, name: name, firstLine: firstLine)
            return try execute(program, completed: { declared.formUnion(Self.declaredNames($0)) })
        } catch {
            resolver.undoGlobals(since: before, keeping: declared)
            throw error
        }
    }

    /// The global names a top-level statement declares.
    private static func declaredNames(_ s: Stmt) -> [String] {
        switch s {
        case .declare(let ref, _, _), .function(let ref, _): return [ref.name]
        case .include(_, let inner, _): return inner.flatMap(declaredNames)
        default: return []
        }
    }

    /// The names `text` declares at its top level (`let` and `var`), parsed without running or including anything.
    public static func topLevelNames(_ text: String) -> Set<String> {
        var parser = Parser(text, file: SourceFiles.register(name: "<names>", text: text))
        return declaredNames(parser.parseProgram())
    }

    /// The names `program` declares at its top level.
    private static func declaredNames(_ program: [Stmt]) -> Set<String> {
        Set(
            program.compactMap { s -> String? in
                if case .declare(let ref, _, _) = s { return ref.name }
                return nil
            })
    }

    /// Runs a script file. Every name in `overrides` must be a top-level `let` or `var` of it.
    @discardableResult
    public func run(file url: URL) throws -> Value? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw ScriptError(.io, "cannot read \(url.path): \(exists ? "not UTF-8 text" : "no such file")", at: nil)
        }
        baseDirectory = url.deletingLastPathComponent()
        try ArithmeticDirective.check(
            text, name: SourceFiles.displayPath(url), restart: "run it with moco run, which starts again portable")
        let program = try prepare(text, name: SourceFiles.displayPath(url))
        let declared = Self.declaredNames(program)
        for name in overrides.keys.sorted() where !declared.contains(name) {
            throw ScriptError(
                .usage, "--set \(name): \(url.lastPathComponent) has no top-level 'let \(name) = ...'", at: nil,
                notes: declared.isEmpty ? [] : ["top-level names: \(declared.sorted().joined(separator: ", "))"])
        }
        var cells = cellStreams.sorted { $0.firstLine < $1.firstLine }[...]
        return try execute(
            program,
            starting: { s in
                guard let line = s.line else { return }
                var started: String?
                while let next = cells.first, next.firstLine <= line {
                    started = next.identity
                    cells = cells.dropFirst()
                }
                if let started { self.beginCell(stream: started) }
            })
    }

    /// Evaluates one expression in a fresh session (for `--set NAME=VALUE`); nil when `text` is
    /// not a valid expression (it is then taken as a string); throws when evaluating it fails (`1/0`).
    public static func constant(_ text: String) throws -> Value? {
        let probe = Interpreter()
        probe.output = { _ in }
        guard let program = try? probe.prepare(text, name: "--set"), program.count == 1, case .expression = program[0]
        else { return nil }
        return try probe.execute(program)
    }

    func prepare(_ text: String, name: String, firstLine: Int = 1) throws -> [Stmt] {
        // Scripts written on Windows (CRLF line ends) read as they do elsewhere.
        let text = text.contains("\r\n") ? text.replacingOccurrences(of: "\r\n", with: "\n") : text
        let file = SourceFiles.register(name: name, text: text, firstLine: firstLine)
        var parser = Parser(
            text, file: file, firstLine: firstLine,
            includes: IncludeLoader(baseDirectory: baseDirectory, access: fileAccess) { [unowned self] in
                noteInput($0)
            })
        let program = parser.parseProgram()
        if !parser.errors.isEmpty { throw ScriptErrors(errors: parser.errors) }
        let errors = resolver.resolve(program)
        growGlobals()
        if !errors.isEmpty { throw ScriptErrors(errors: errors) }
        return program
    }

    func growGlobals() {
        if globals.slots.count < resolver.globalCount {
            globals.slots += Array(repeating: .nil, count: resolver.globalCount - globals.slots.count)
        }
    }

    /// Runs top-level statements, calling `completed` after each one that finished.
    func execute(
        _ program: [Stmt], starting: (Stmt) -> Void = { _ in }, completed: (Stmt) -> Void = { _ in }
    ) throws -> Value? {
        frame = globals
        var last: Value?
        for s in program {
            starting(s)
            last = nil
            if case .expression(let e, _) = s {
                last = try evaluate(e)
            } else if case .include(_, let inner, _) = s {
                last = try execute(inner, completed: completed)
            } else {
                _ = try execute(s)
            }
            completed(s)
        }
        return last
    }

    /// The value of a global, for the REPL and notebooks.
    public func global(_ name: String) -> Value? {
        resolver.globalNames[name].flatMap { globals.slots.indices.contains($0) ? globals.slots[$0] : nil }
    }

    /// Where names declared from outside a program (`_`) and internal lookups are located;
    /// registered once.
    static let sessionLoc = Loc(file: SourceFiles.register(name: "<session>", text: ""), line: 1, column: 1)

    /// Sets (declaring if needed) a global variable, e.g. the REPL's `_`.
    public func setGlobal(_ name: String, _ value: Value) {
        let slot = resolver.declareGlobal(name, at: Self.sessionLoc)
        growGlobals()
        globals.slots[slot] = value
    }

    /// Every global name with its value, in declaration order.
    public var globalVariables: [(name: String, value: Value)] {
        resolver.globalNames.sorted { $0.value < $1.value }.map { ($0.key, globals.slots[$0.value]) }
    }

    // MARK: Randomness

    /// A fresh generator for one random draw of the script (model initialisation, a data
    /// order, a queue), derived from the seed and the number of draws so far: the same
    /// script with the same seed makes the same draws.
    func nextGenerator(_ purpose: String) -> RandomGenerator {
        draws += 1
        return generator.stream("\(draws):\(purpose)")
    }

    func reseed(_ seed: UInt64) {
        baseSeed = seedOverride ?? seed
        generator = RandomGenerator(seed: baseSeed)
        draws = 0
    }

    // MARK: Statements

    func execute(_ s: Stmt) throws -> Flow {
        switch s {
        case .expression(let e, _):
            _ = try evaluate(e)
        case .declare(let ref, let value, _):
            if frame === globals, let override = overrides[ref.name] {
                frame.slots[ref.slot] = override
            } else {
                frame.slots[ref.slot] = try evaluate(value)
            }
        case .assign(let target, let op, let valueExpr, let loc):
            var value = try evaluate(valueExpr)
            if let op { value = try Operators.binary(op, try evaluate(target), value, at: loc) }
            try assign(target, value, at: loc)
        case .function(let ref, let decl):
            frame.slots[ref.slot] = .function(Closure(decl, captured: frame))
        case .ifElse(let branches, let otherwise):
            for b in branches where try evaluate(b.condition).isTruthy {
                return try execute(b.body)
            }
            if let otherwise { return try execute(otherwise) }
        case .whileLoop(let condition, let body):
            while try evaluate(condition).isTruthy {
                switch try execute(body) {
                case .breakLoop: return .normal
                case .returned(let v): return .returned(v)
                default: continue
                }
            }
        case .forLoop(_, let sequenceExpr, let body, let loc):
            let sequence = try evaluate(sequenceExpr)
            var result = Flow.normal
            try Operators.iterate(sequence, at: sequenceExpr.loc ?? loc) { item in
                let saved = frame
                frame = Frame(size: body.slotCount, parent: saved)
                defer { frame = saved }
                frame.slots[0] = item
                for st in body.statements {
                    switch try execute(st) {
                    case .normal: continue
                    case .continueLoop: return true
                    case .breakLoop: return false
                    case .returned(let v):
                        result = .returned(v)
                        return false
                    }
                }
                return true
            }
            return result
        case .breakLoop: return .breakLoop
        case .continueLoop: return .continueLoop
        case .returnValue(let e, _): return .returned(try e.map(evaluate) ?? .nil)
        case .seed(let e, let loc):
            guard case .number(let x) = try evaluate(e), x >= 0, x == x.rounded(), x < 1.8e19 else {
                throw ScriptError(.runtime, "seed must be a whole number >= 0", at: e.loc ?? loc)
            }
            reseed(UInt64(x))
        case .include(_, let inner, _):
            for st in inner { _ = try execute(st) }
        }
        return .normal
    }

    func execute(_ block: Block) throws -> Flow {
        let saved = frame
        if block.hasFrame { frame = Frame(size: block.slotCount, parent: saved) }
        defer { frame = saved }
        for s in block.statements {
            let flow = try execute(s)
            if case .normal = flow { continue }
            return flow
        }
        return .normal
    }

    private func assign(_ target: Expr, _ value: Value, at loc: Loc) throws {
        switch target {
        case .variable(let ref):
            if let since = ref.constantSince {
                throw ScriptError(
                    .runtime,
                    "cannot assign to '\(ref.name)': it is a constant (declared with let at \(since.line):\(since.column))",
                    at: ref.loc, notes: ["declare it with 'var' to change it"])
            }
            frame.ancestor(ref.hops).slots[ref.slot] = value
        case .member(let baseExpr, let name, let nameLoc):
            let base = try evaluate(baseExpr)
            if case .record(var r) = base {
                guard r[name] != nil else {
                    throw ScriptError(
                        .runtime, "record has no field '\(name)'", at: nameLoc,
                        notes: ["fields: \(r.keys.joined(separator: ", "))", "add fields with r[\"\(name)\"] = ..."])
                }
                r[name] = value
                try assign(baseExpr, .record(r), at: loc)
            } else {
                try Members.set(base, name, value, interpreter: self, at: nameLoc)
            }
        case .index(let baseExpr, let indexExpr, let bracketLoc):
            let updated = try Operators.settingIndex(
                try evaluate(baseExpr), try evaluate(indexExpr), to: value, at: bracketLoc)
            try assign(baseExpr, updated, at: loc)
        default:
            throw ScriptError(.runtime, "cannot assign to this expression", at: loc)
        }
    }

    // MARK: Expressions

    func evaluate(_ e: Expr) throws -> Value {
        switch e {
        case .literal(let v, _): return v
        case .variable(let ref):
            if let b = ref.builtin { return b }
            if ref.hops == 0 { return frame.slots[ref.slot] }
            return frame.ancestor(ref.hops).slots[ref.slot]
        case .binary(let op, let a, let b, let loc):
            let x = try evaluate(a)
            let y = try evaluate(b)
            if case .number(let p) = x, case .number(let q) = y {
                switch op {
                case .add: return .number(p + q)
                case .subtract: return .number(p - q)
                case .multiply: return .number(p * q)
                case .less: return .bool(p < q)
                case .lessEqual: return .bool(p <= q)
                case .greater: return .bool(p > q)
                case .greaterEqual: return .bool(p >= q)
                default: break
                }
            }
            return try Operators.binary(op, x, y, at: loc)
        case .and(let a, let b):
            let x = try evaluate(a)
            return x.isTruthy ? try evaluate(b) : x
        case .or(let a, let b):
            let x = try evaluate(a)
            return x.isTruthy ? x : try evaluate(b)
        case .unary(let op, let x, let loc):
            let v = try evaluate(x)
            switch op {
            case .not: return .bool(!v.isTruthy)
            case .negate:
                guard case .number(let n) = v else {
                    throw ScriptError(.runtime, "cannot negate \(v.typeName)", at: loc)
                }
                return .number(-n)
            }
        case .interpolation(let parts, let loc):
            var s = ""
            for part in parts {
                switch part {
                case .text(let t): s += t
                case .expr(let x, let format):
                    let v = try evaluate(x)
                    if let format {
                        do { s += try Value.format(v, spec: format) } catch let err as ScriptError {
                            throw ScriptError(.runtime, err.message, at: x.loc ?? loc)
                        }
                    } else {
                        s += v.display
                    }
                }
            }
            return .string(s)
        case .list(let items, _): return .list(try items.map(evaluate))
        case .record(let fields, _): return .record(Record(try fields.map { ($0.key, try evaluate($0.value)) }))
        case .range(let a, let b, let inclusive, let loc):
            guard case .number(let x) = try evaluate(a), case .number(let y) = try evaluate(b) else {
                throw ScriptError(.runtime, "a range needs numbers on both sides", at: loc)
            }
            return .range(x, y, inclusive: inclusive)
        case .call(let calleeExpr, let args, let loc):
            let callee = try evaluate(calleeExpr)
            var positional: [Value] = []
            var named: [(String, Value, Loc)] = []
            for a in args {
                let v = try evaluate(a.value)
                if let label = a.label { named.append((label, v, a.loc)) } else { positional.append(v) }
            }
            return try call(callee, positional, named, at: loc, calleeLoc: calleeExpr.loc ?? loc)
        case .member(let baseExpr, let name, let loc):
            return try Members.get(try evaluate(baseExpr), name, interpreter: self, at: loc)
        case .index(let baseExpr, let indexExpr, let loc):
            return try Operators.index(try evaluate(baseExpr), try evaluate(indexExpr), at: loc)
        case .lambda(let decl):
            return .function(Closure(decl, captured: frame))
        }
    }

    // MARK: Calls

    /// Calls any callable value with positional and named arguments.
    public func call(
        _ callee: Value, _ positional: [Value], _ named: [(String, Value, Loc)] = [], at loc: Loc,
        calleeLoc: Loc? = nil
    ) throws -> Value {
        switch callee {
        case .function(let c): return try callClosure(c, positional, named, at: loc)
        case .builtin(let b): return try callBuiltin(b, receiver: nil, positional, named, at: loc)
        case .method(let receiver, let b): return try callBuiltin(b, receiver: receiver, positional, named, at: loc)
        case .schedule(let s):
            guard positional.count == 1, named.isEmpty, case .number(let t) = positional[0] else {
                throw ScriptError(.runtime, "a schedule takes one number, the training progress t in [0, 1]", at: loc)
            }
            return .number(try s.function(t))
        default:
            throw ScriptError(.runtime, "\(callee.typeName) is not a function", at: calleeLoc ?? loc)
        }
    }

    private func callClosure(_ c: Closure, _ positional: [Value], _ named: [(String, Value, Loc)], at loc: Loc) throws
        -> Value
    {
        let decl = c.decl
        let bound = try decl.parameters.bind(positional, named, at: loc)
        guard callDepth < 200 else {
            throw ScriptError(.runtime, "too many nested calls (200): runaway recursion?", at: loc)
        }
        let callFrame = Frame(size: decl.slotCount, parent: c.captured)
        for (i, v) in bound.enumerated() { if let v { callFrame.slots[i] = v } }
        let saved = frame
        frame = callFrame
        callDepth += 1
        defer {
            frame = saved
            callDepth -= 1
        }
        do {
            for (i, p) in decl.params.enumerated() where bound[i] == nil {
                if let d = p.defaultValue { callFrame.slots[i] = try evaluate(d) }
            }
            for s in decl.body.statements {
                switch try execute(s) {
                case .returned(let v): return v
                default: continue
                }
            }
            return .nil
        } catch var e as ScriptError {
            e.trace.append((decl.name, loc))
            throw e
        }
    }

    func callBuiltin(
        _ b: Builtin, receiver: Value?, _ positional: [Value], _ named: [(String, Value, Loc)], at loc: Loc
    ) throws -> Value {
        let bound = try b.parameters.bind(positional, named, at: loc)
        // A variadic builtin's parameters are named-only: every positional argument is extra.
        let values = bound.enumerated().map { i, v in v ?? b.params[i].defaultValue ?? .nil }
        var args = Arguments(
            builtin: b, values: values, rest: b.variadic ? positional : [], receiver: receiver, loc: loc,
            interpreter: self)
        do {
            return try b.body(&args)
        } catch let e as ScriptError {
            throw e
        } catch let e as ScriptErrors {
            throw e
        } catch let e as ExportFinished {
            throw e
        } catch {
            throw wrap(error, builtin: b.name, at: loc)
        }
    }

    /// An engine error as a located script error; paths under the base directory are shown relative to it.
    func wrap(_ error: Error, builtin: String, at loc: Loc) -> ScriptError {
        func relative(_ path: String) -> String {
            let base = baseDirectory.standardizedFileURL.path + "/"
            return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
        }
        switch error {
        case let e as DataError: return ScriptError(.io, "\(builtin): \(relative(e.file)): \(e.reason)", at: loc)
        case let e as SafeTensorsError: return ScriptError(.io, "\(builtin): \(relative(e.file)): \(e.reason)", at: loc)
        case let e as any OperationError:
            return ScriptError(
                .runtime, e.op == builtin ? "\(builtin): \(e.message)" : "\(builtin): \(e.op): \(e.message)", at: loc)
        case let e as CocoaError: return ScriptError(.io, "\(builtin): \(e.localizedDescription)", at: loc)
        default: return ScriptError(.runtime, "\(builtin): \(error)", at: loc)
        }
    }

    /// A schedule from a number (constant), a schedule, or any function of one argument.
    func schedule(from value: Value, what: String, at loc: Loc) throws -> ScheduleValue {
        switch value {
        case .number(let x): return .constant(x)
        case .schedule(let s): return s
        case .function(let c):
            guard c.decl.params.count >= 1, c.decl.params.dropFirst().allSatisfy({ $0.defaultValue != nil }) else {
                throw ScriptError(
                    .runtime,
                    "\(what) must be a function of one argument (training progress t), but \(c.decl.name) takes \(c.decl.params.count)",
                    at: loc)
            }
            return ScheduleValue(name: "fn(\(c.decl.params[0].name)) at \(c.decl.loc.line):\(c.decl.loc.column)") {
                [unowned self] t in
                let v = try self.call(value, [.number(t)], at: loc)
                guard case .number(let x) = v else {
                    throw ScriptError(.runtime, "\(what): the function returned \(v.typeName), not a number", at: loc)
                }
                return x
            }
        case .builtin, .method:
            return ScheduleValue(name: value.repr) { [unowned self] t in
                guard case .number(let x) = try self.call(value, [.number(t)], at: loc) else {
                    throw ScriptError(.runtime, "\(what): the function did not return a number", at: loc)
                }
                return x
            }
        default:
            throw ScriptError(
                .runtime, "\(what) must be a number, a schedule or a function of t, got \(value.typeName)", at: loc)
        }
    }
}
