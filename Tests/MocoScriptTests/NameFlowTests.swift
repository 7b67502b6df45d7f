import MocoScript
import Testing

/// What each notebook cell defines and uses, as the notebook cache's dependency analysis sees it.
@Suite("Names a cell defines and uses")
struct NameFlowTests {
    /// The effects of each cell in turn.
    static func effects(_ cells: [String]) -> [NameFlow.Effects] {
        var flow = NameFlow()
        return cells.map { flow.add($0) }
    }

    @Test("declarations define, reads use; every cell uses the seed, which a seed statement defines")
    func declarationsAndReads() {
        let e = Self.effects(["seed 1\nlet a = 1\nvar b = a + 1", "print(a * b)", "b = 3"])
        #expect(e[0].defines == ["a", "b", NameFlow.seed])
        #expect(e[1].defines.isEmpty && e[1].uses.isSuperset(of: ["a", "b", "print", NameFlow.seed]))
        #expect(e[2].defines == ["b"])
    }

    @Test("names local to a loop, a branch or a function are not the cell's")
    func locals() {
        let e = Self.effects(["for x in [1, 2] { let a = x }\nif true { let c = 2 }\nfn f(p) { let q = p\n return q }"])
        #expect(e[0].defines == ["f"])
        #expect(!e[0].uses.contains("x") && !e[0].uses.contains("p") && !e[0].uses.contains("q"))
    }

    @Test("training, a settable member and a changing method define the model, and every name that holds it")
    func changedObjects() {
        let e = Self.effects([
            #"let d = dataset("digits")"#,
            "let model = moco(encoder: convnet([8]))",
            #"let run = train(model, d.train, views: preset("digits"), epochs: 1)"#,
            "run.resume(epochs: 1)",
            "model.queue = 256",
            "let n = knn_accuracy(model, d.train, d.test)",
            "let runs = [run]\nruns[0].resume()"
        ])
        #expect(e[2].defines == ["run", "model"])
        #expect(!e[2].defines.contains("d"), "the data is read, not changed")
        #expect(e[3].defines == ["run", "model"])
        #expect(e[4].defines == ["run", "model"])
        #expect(e[5].defines == ["n"], "an evaluation changes nothing")
        #expect(e[6].defines == ["runs", "run", "model"])
    }

    @Test("a function's reads and changes count where it is called")
    func functions() {
        let e = Self.effects([
            "let a = 1\nlet model = moco(encoder: convnet([8]))",
            "fn get() { return a }\nfn step() { model.queue = 256 }\nfn go(m) { m.queue = 128 }",
            "let alias = get",
            "print(get())",
            "step()",
            "go(model)",
            "print(alias())"
        ])
        #expect(e[1].defines == ["get", "step", "go"] && !e[1].uses.contains("a"), "defining is not calling")
        #expect(e[3].uses.contains("a") && e[3].defines.isEmpty)
        #expect(e[4].defines == ["model"])
        #expect(
            e[5].defines.isSuperset(of: ["model"]), "a function that changes its arguments changes what it is given")
        #expect(e[6].uses.contains("a"))
    }

    @Test("include, or a cell that does not parse, defines and uses everything")
    func opaque() {
        let e = Self.effects([#"include "x.moco""#, "let = ("])
        for cell in e {
            #expect(cell.defines.contains(NameFlow.everything) && cell.uses.contains(NameFlow.everything))
        }
    }
}
