import Foundation
import Moco
import MocoSupport

/// The way out to PyTorch and back: `export_torch(run, dir)` and `load_log(path)` (`load_run` reads the checkpoint).
enum ExportBuiltins {
    /// Writes `run`'s recipe as the PyTorch project `request` asks for, when `run` is its `train` call (then stops the
    /// script with `ExportFinished`); an earlier call only counts.
    static func export(_ run: RunValue, request: ExportRequest, interpreter interp: Interpreter, at loc: Loc) throws {
        request.seen += 1
        guard request.seen == request.call else { return }
        let recipe = try recipe(of: run, interpreter: interp, builtin: "export", at: loc)
        let written = try write(recipe, to: request.directory, builtin: "export", at: loc)
        request.written = ExportRequest.Written(
            data: written.recipe.data.name, epochs: written.recipe.epochs, batch: written.recipe.batch,
            files: written.files)
        throw ExportFinished()
    }

    /// The recipe of a run that has its data, views and optimizer (one built by `train`).
    static func recipe(of run: RunValue, interpreter: Interpreter, builtin: String, at loc: Loc) throws
        -> TorchRecipe
    {
        let (trainer, data, optimizer) = try run.live(for: builtin, at: loc)
        do {
            return try TorchRecipe(
                model: run.model, data: data, views: trainer.loader.pipelines, optimizer: optimizer,
                lrUpdate: trainer.lrUpdate, epochs: run.plannedEpochs, batch: trainer.loader.batchSize,
                stepsPerEpoch: trainer.loader.batchesPerEpoch, monitor: run.monitor, interpreter: interpreter)
        } catch let e as ExportError {
            throw ScriptError(.runtime, "\(builtin): cannot export this run: \(e)", at: loc)
        } catch let e as ModelRecipeError {
            throw ScriptError(.runtime, "\(builtin): cannot export this run: \(e)", at: loc)
        }
    }

    static func write(
        _ recipe: TorchRecipe, to directory: URL, interpreter: Interpreter? = nil, builtin: String, at loc: Loc
    ) throws -> (recipe: TorchRecipe, files: [String]) {
        do {
            return try TorchProject.write(recipe, to: directory) { url in
                if let interpreter { _ = try interpreter.fileAccess.checkWrite(url) }
            }
        } catch let e as ExportError {
            throw ScriptError(.io, "\(builtin): \(directory.lastPathComponent): \(e)", at: loc)
        } catch let e as FileAccessError {
            throw ScriptError(.io, "\(builtin): \(e)", at: loc)
        }
    }

    static let exportTorch = Builtin(
        "export_torch", [.required("run"), .required("path")],
        doc: Doc(
            """
            Writes `run`'s recipe as a PyTorch project in the folder `path`: `train.py` (MoCo with \
            DistributedDataParallel, as facebookresearch/moco: shuffle-BN across processes, one queue kept in step), \
            `recipe.json` (every choice, the learning rate and momentum at every step), `requirements.txt` and a \
            README with the `torchrun` commands for one machine, N GPUs and several nodes. `load_run(path + "/run")` \
            and `load_log(path + "/run/log.jsonl")` bring the result back. `moco export FILE -o DIR` does the same \
            for a script's `train` call without training.
            """,
            example: #"export_torch(run, "export/digits")"#)
    ) { args in
        let interp = args.interpreter
        guard case .run(let run) = try args["run"] else {
            throw args.typeError("run", expected: "a run from train(...)", got: try args["run"])
        }
        let path = try args.string("path")
        let url = try interp.writablePath(path, what: "folder", builtin: "export_torch", at: args.loc)
        let recipe = try recipe(of: run, interpreter: interp, builtin: "export_torch", at: args.loc)
        let (written, files) = try write(recipe, to: url, interpreter: interp, builtin: "export_torch", at: args.loc)
        interp.writtenFiles += files.map { url.appendingPathComponent($0).path }
        let what = "\(written.epochs) epochs of batch \(written.batch) on \(written.data.name)"
        return .string("\(path): train.py, recipe.json (\(what)), requirements.txt, README.md")
    }

    static let loadLog = Builtin(
        "load_log", [.required("path")],
        doc: Doc(
            """
            The per-epoch log that an exported `train.py` writes (`run/log.jsonl`, one JSON object a line) as a record \
            of series over epochs: `loss`, `top1`, `lr`, `m`, `knn` (when it had a monitor) and `images_per_s`, to \
            plot beside a moco run of the same recipe.
            """,
            example: #"let log = load_log("export/run/log.jsonl"); plot(run.knn, log.knn, names: ["moco", "PyTorch"])"#)
    ) { args in
        let interp = args.interpreter
        let url = try interp.readableURL(try args.string("path"), builtin: "load_log", at: args.loc)
        let rows: [TrainingLog.Row]
        do { rows = try TrainingLog.read(url) } catch let e as TrainingLogError {
            throw ScriptError(.io, "load_log: \(e)", at: args.loc)
        }
        let epochs = rows.map { Double($0.epoch) }
        func series(_ name: String, _ values: [Double?]) -> (String, Value)? {
            let present = zip(epochs, values).compactMap { x, y in y.map { (x, $0) } }
            guard !present.isEmpty else { return nil }
            return (name, .series(Series(name: name, xLabel: "epoch", x: present.map(\.0), y: present.map(\.1))))
        }
        let fields: [(String, Value)?] = [
            series("loss", rows.map(\.loss)), series("top1", rows.map(\.top1)), series("lr", rows.map(\.lr)),
            series("m", rows.map(\.m)), series("knn", rows.map(\.knn)),
            series("images_per_s", rows.map(\.imagesPerS))
        ]
        return .record(Record(fields.compactMap { $0 }))
    }
}
