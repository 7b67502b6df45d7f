import Foundation
import Moco
import MocoNN
import MocoTensor

extension TrainingBuiltins {
    /// `load_run(path)`: a run from its checkpoint alone.
    static let loadRun = Builtin(
        "load_run", [.required("path")],
        doc: Doc(
            """
            The run a checkpoint holds (`run.save`, or the state a notebook's cache keeps), without the script that \
            made it: the model rebuilt from the recipe the checkpoint records (architecture, head, queue, temperature, \
            momentum, evaluation transform) with both encoders and the queue restored, and its histories (`loss`, \
            `knn`, diagnostics, ...). It is evaluated, plotted and fine-tuned like any run; it has no data or optimizer, \
            so it is not resumed: `train(run.model, data, ...)` goes on from its weights, and a run built with \
            `train(...)` as before continues it exactly with `run.load(path)`. A folder written by an exported \
            `train.py` (`run/`) loads too: its `checkpoint.safetensors`, with one history row per epoch from its \
            `log.jsonl`.
            """,
            example: #"let run = load_run("digits.ckpt.safetensors")"#)
    ) { args in
        let interp = args.interpreter
        var url = try interp.readableURL(try args.string("path"), builtin: "load_run", at: args.loc)
        // A folder is the output of an exported train.py: its checkpoint, with the log beside it.
        let folder = FileAccess.isFolder(url)
        if folder {
            url = try interp.readableURL(
                url.appendingPathComponent(TorchCheckpoint.fileName).path,
                builtin: "load_run", at: args.loc)
        }
        let file = url.lastPathComponent
        do {
            // A train.py checkpoint comes with the log beside it, when there is one.
            let contents = try Checkpoint.read(url) {
                let log = url.deletingLastPathComponent().appendingPathComponent("log.jsonl")
                guard FileManager.default.fileExists(atPath: log.path) else { return nil }
                return try interp.readableURL(log.path, builtin: "load_run", at: args.loc)
            }
            guard let recipe = try ModelRecipe.decode(from: contents.recipe) else {
                throw ModelRecipeError(
                    "records no model recipe (a checkpoint from an older moco): build the run with train(...) and "
                        + "call run.load")
            }
            let model = try recipe.build(interp)
            try Checkpoint.restore(contents, into: model.moco)
            if let note = Arithmetic.continuationNote(contents.arithmetic, file: file) { interp.warn(note) }
            let run = RunValue(model: model, loaded: contents, file: file)
            model.lastRun = run
            interp.runs.append(run)
            return .run(run)
        } catch let e as ModelRecipeError {
            throw ScriptError(.io, "load_run: \(file): \(e)", at: args.loc)
        } catch let e as SafeTensorsError {
            throw ScriptError(.io, "load_run: \(e)", at: args.loc)
        } catch let e as TrainingLogError {
            throw ScriptError(.io, "load_run: \(e)", at: args.loc)
        }
    }
}
