import MocoNotebook
import Testing

@Suite("Notebook cells")
struct CellTests {
    @Test("percent-format markers, titles, options and markdown prefixes")
    func parse() {
        let text = """
            seed 1
            # %% [markdown]
            # # Title
            #
            # Prose
            # %% Training
            #| echo: false
            #| cache: false

            let x = 1
            # %%
            print(x)
            """
        let cells = Cell.parse(text)
        #expect(cells.count == 4)
        #expect(cells[0] == Cell.parse("seed 1")[0])
        #expect(cells[1].kind == .markdown && cells[1].source == "# Title\n\nProse")
        #expect(cells[2].title == "Training" && cells[2].source == "let x = 1" && cells[2].firstLine == 10)
        #expect(!cells[2].echo && !cells[2].cacheable && cells[2].option("echo") == "false")
        #expect(cells[3].title == nil && cells[3].source == "print(x)" && cells[3].firstLine == 12)
    }

    @Test("a file without markers is one code cell")
    func plainScript() {
        let cells = Cell.parse("let a = 1\nprint(a)\n")
        #expect(cells.count == 1 && cells[0].kind == .code && cells[0].firstLine == 1 && cells[0].echo)
    }
}
