/// Members of values: `data.train`, `model.queue = 4096`, `run.resume(epochs: 5)`. Each type's
/// properties and methods come from its `MemberTable`; records' members are their fields.
enum Members {
    /// Every type's table, in documentation order.
    static let tables: [MemberTable] = [
        DataMembers.dataset, DataMembers.images, ValueMembers.augmentations, ValueMembers.schedules,
        ModelMembers.encoders, ModelMembers.models, RunMembers.optimizers, RunMembers.monitors, RunMembers.runs,
        ValueMembers.serieses, ValueMembers.tensors, ValueMembers.embeddings, ClassifierMembers.classifiers
    ]

    private static let byType: [String: MemberTable] = Dictionary(uniqueKeysWithValues: tables.map { ($0.type, $0) })

    /// The table of `type` (a `Value.typeName`), if that type has members.
    static func table(_ type: String) -> MemberTable? { byType[type] }

    /// Every settable member, as `model.queue`.
    static let settable: [String] = tables.flatMap { t in t.properties.filter(\.settable).map { "\(t.type).\($0.name)" }
    }

    /// Names completion offers after `value.`: properties, then methods.
    static func names(of value: Value) -> [String] {
        if case .record(let r) = value { return r.keys }
        guard let t = table(value.typeName) else { return [] }
        return t.properties.map(\.name) + t.methods.map(\.name)
    }

    static func get(_ base: Value, _ name: String, interpreter: Interpreter, at loc: Loc) throws -> Value {
        if case .record(let r) = base {
            if let v = r[name] { return v }
            throw ScriptError(
                .runtime, "record has no field '\(name)'", at: loc,
                notes: (Resolver.closest(to: name, in: r.keys).map { ["did you mean '\($0)'?"] } ?? [])
                    + ["fields: \(r.keys.joined(separator: ", "))"])
        }
        let t = table(base.typeName)
        let access = MemberAccess(interpreter: interpreter, loc: loc)
        if let p = t?.properties.first(where: { $0.name == name }), let v = try p.get(base, access) { return v }
        if let m = t?.methods.first(where: { $0.name == name }) { return .method(base, m) }
        if let (message, notes) = t?.unavailable?(base, name) {
            throw ScriptError(.runtime, message, at: loc, notes: notes)
        }
        let known = names(of: base)
        var notes: [String] = []
        if let s = Resolver.closest(to: name, in: known) { notes.append("did you mean '\(s)'?") }
        if !known.isEmpty { notes.append("\(base.typeName) members: \(known.joined(separator: ", "))") }
        throw ScriptError(.runtime, "\(base.typeName) has no member '\(name)'", at: loc, notes: notes)
    }

    static func set(_ base: Value, _ name: String, _ value: Value, interpreter: Interpreter, at loc: Loc) throws {
        let notes = ["settable members: \(settable.joined(separator: ", "))"]
        let properties = table(base.typeName)?.properties ?? []
        guard properties.contains(where: \.settable) else {
            throw ScriptError(.runtime, "cannot set '\(name)' of \(base.typeName)", at: loc, notes: notes)
        }
        guard let set = properties.first(where: { $0.name == name })?.set else {
            throw ScriptError(.runtime, "cannot set \(base.typeName).\(name)", at: loc, notes: notes)
        }
        try set(base, value, MemberAccess(interpreter: interpreter, loc: loc))
    }
}
