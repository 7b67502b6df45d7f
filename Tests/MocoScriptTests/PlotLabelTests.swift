import Foundation
import MocoScript
import Testing

/// The axis labels `plot` and `histogram` choose when the script gives none.
@Suite("Plot labels")
struct PlotLabelTests {
    @Test("one curve is labelled by its name, overlaid curves by their names or `value`, histograms by what they show")
    func defaultLabels() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moco-labels-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let interpreter = Interpreter(baseDirectory: dir)
        interpreter.plotDirectory = dir
        try interpreter.run(
            """
            plot([1, 2, 3], names: ["loss"])
            plot([1, 2], [2, 1], names: ["alignment", "uniformity"])
            plot([1, 2], [2, 1], names: ["momentum 0.99 (this run)", "cosine to 1 (MoCo v3)"])
            plot([1, 2], [2, 1], names: ["a", "b"], ylabel: "mine")
            histogram([1, 2, 2])
            histogram([1, 2, 2], [3, 3, 4])
            """, name: "<labels>")
        #expect(
            interpreter.plots.map(\.figure.yLabel) == [
                "loss", "alignment, uniformity", "value", "mine", "count", "density"
            ])
    }
}
