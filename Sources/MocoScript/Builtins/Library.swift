/// Every builtin, grouped as `help()` and `docs/builtins.md` present them, and the methods of
/// each engine type. The doc comment of each builtin (`Doc`) is the single source of both.
public enum BuiltinLibrary {
    /// Groups of free functions, in documentation order.
    public static let groups: [(title: String, builtins: [Builtin])] = [
        ("Core", CoreBuiltins.all),
        ("Math", MathBuiltins.all),
        ("Data", DataBuiltins.all),
        ("Augmentations", AugmentationBuiltins.all),
        ("Models", ModelBuiltins.all),
        ("Optimizers and schedules", ScheduleBuiltins.all),
        ("Training and evaluation", TrainingBuiltins.all),
        ("Fine-tuning", FineTuneBuiltins.all),
        ("Plots and t-SNE", PlotBuiltins.all),
        ("Tensors and files", TensorBuiltins.all)
    ]

    /// Methods by receiver type name (`run` -> `resume`, `save`, ...).
    public static let methods: [String: [Builtin]] = Dictionary(
        uniqueKeysWithValues: Members.tables.filter { !$0.methods.isEmpty }
            .map { ($0.type, $0.methods) })

    /// Constants visible everywhere.
    ///
    /// `nonisolated(unsafe)`: `Value` is not Sendable (it can hold engine objects), but these are
    /// immutable numbers, shared read-only.
    nonisolated(unsafe) static let constants: [String: Value] = [
        "pi": .number(Double.pi), "inf": .number(.infinity), "nan": .number(.nan)
    ]

    /// Every global builtin name with its value.
    ///
    /// `nonisolated(unsafe)`: immutable, and holds only numbers and builtins (both Sendable).
    nonisolated(unsafe) public static let globals: [String: Value] = {
        var all = constants
        for (_, builtins) in groups { for b in builtins { all[b.name] = .builtin(b) } }
        return all
    }()

    /// Every name `help` knows, sorted: builtins, constants, `type.method` and `type.property`.
    public static let topics: [String] =
        (Array(globals.keys) + methods.flatMap { t, ms in ms.map { "\(t).\($0.name)" } }
        + Members.tables.flatMap { t in t.properties.map { "\(t.type).\($0.name)" } }).sorted()

    /// A builtin or method by name (`train`, `run.resume`).
    public static func lookup(_ name: String) -> Builtin? {
        if case .builtin(let b)? = globals[name] { return b }
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2 { return methods[parts[0]]?.first { $0.name == parts[1] } }
        return nil
    }

    /// The text `help(name)` prints.
    public static func help(_ b: Builtin) -> String {
        "\(b.signature)\n  \(b.doc.summary)\n  example: \(b.doc.example)"
    }

    /// The text `help(name)` prints for a builtin, a method or a property (`model.queue`), or nil
    /// when `name` is none of them.
    public static func help(topic name: String) -> String? {
        if let b = lookup(name) { return help(b) }
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let p = Members.table(parts[0])?.properties.first(where: { $0.name == parts[1] }) else {
            return nil
        }
        return "\(parts[0]).\(p.listing)\n  \(p.doc)"
    }

    /// Each type's properties as `help()` lists them (`model: version, queue (settable), ...`).
    static var propertyListing: String {
        (Members.tables.map { "\($0.type): " + $0.properties.map(\.listing).joined(separator: ", ") } + [
            "record: any field name"
        ])
        .joined(separator: "; ")
    }

    /// The overview `help()` prints.
    public static var overview: String {
        var lines = ["Builtins (help(\"name\") for one; docs/language.md for the language):"]
        for (title, builtins) in groups {
            lines.append("  \(title): " + builtins.map(\.name).joined(separator: ", "))
        }
        for type in methods.keys.sorted() {
            lines.append("  \(type) methods: " + methods[type]!.map(\.name).joined(separator: ", "))
        }
        lines.append("  \(propertyListing)")
        return lines.joined(separator: "\n")
    }

    /// `docs/builtins.md`, generated from the builtins' docs (a test keeps the file current).
    public static var markdown: String {
        var out = "# Builtins\n\nGenerated from the builtins' documentation in `Sources/MocoScript/Builtins` by\n"
        out += "`moco help --markdown`; `help(\"name\")` in a script or the REPL prints the same text.\n"
        out += "Arguments with a default can be left out; any argument can be passed by name.\n"
        func section(_ b: Builtin) -> String {
            "\n### `\(b.signature)`\n\n\(b.doc.summary)\n\n```\n\(b.doc.example)\n```\n"
        }
        for (title, builtins) in groups {
            out += "\n## \(title)\n"
            for b in builtins { out += section(b) }
        }
        out += "\n## Methods\n"
        for type in methods.keys.sorted() { for b in methods[type]! { out += section(b) } }
        out += "\n## Members\n\nRead with `value.name`; those marked settable can be assigned (`model.queue = 4096`).\n"
        for table in Members.tables {
            out += "\n### \(table.type)\n\n"
            for p in table.properties { out += "- `\(p.name)`\(p.settable ? " (settable)" : ""): \(p.doc)\n" }
        }
        out += "\n### record\n\nA record's members are its fields.\n"

        out += "\n## Constants\n\n`pi`, `inf`, `nan`.\n"
        return out
    }
}
