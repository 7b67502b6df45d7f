import Foundation
import MocoData
import MocoSupport

/// The PyTorch project `moco export` writes: `train.py` (DDP MoCo), `recipe.json`, `requirements.txt`, `README.md`,
/// and the bundled digits under `data/` when the recipe uses them. Each file is written atomically; other files in
/// the folder (a `run/` that `train.py` wrote) are left alone.
enum TorchProject {
    /// Where `train.py` lies in this build.
    static var script: URL? {
        Bundle.module.url(forResource: "train", withExtension: "py", subdirectory: "Resources/torch")
    }

    /// Writes the project for `recipe` into `directory` (created if needed); returns the recipe as written (the
    /// bundled digits pointed at their copies under `data/`) and the files, relative to `directory`. `allowed` checks
    /// each file before it is written (the session's write confinement).
    @discardableResult
    static func write(_ recipe: TorchRecipe, to directory: URL, allowed: (URL) throws -> Void = { _ in }) throws
        -> (recipe: TorchRecipe, files: [String])
    {
        guard let script, let digits = Digits.fileURL, let split = Digits.splitURL else {
            throw ExportError("train.py or the bundled digits are missing from this build")
        }
        var recipe = recipe
        var usesDigits = false
        func local(_ data: inout TorchRecipe.Data) {
            guard data.source == "digits" else { return }
            (data.path, data.split, usesDigits) = ("data/digits.csv.gz", "data/split-seed0.json", true)
        }
        local(&recipe.data)
        if recipe.monitor != nil { local(&recipe.monitor!.test) }
        var files: [(String, Data)] = [
            ("train.py", try Data(contentsOf: script)), ("recipe.json", try recipe.encoded() + Data("\n".utf8)),
            ("requirements.txt", Data(requirements.utf8)), ("README.md", Data(readme(recipe).utf8))
        ]
        if usesDigits {
            files += [
                ("data/digits.csv.gz", try Data(contentsOf: digits)),
                ("data/split-seed0.json", try Data(contentsOf: split))
            ]
        }
        do {
            for (name, contents) in files {
                let url = directory.appendingPathComponent(name)
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try allowed(url)
                try AtomicFile.write(contents, to: url)
            }
        } catch let e as FileWriteError {
            throw ExportError("\(e)")
        }
        return (recipe, files.map(\.0))
    }

    static let requirements = """
        # PyTorch, torchvision and safetensors from PyPI: pip install -r requirements.txt
        torch>=2.1
        torchvision>=0.16
        safetensors>=0.4

        """

    /// The README: what the recipe is, and the commands for one machine, N GPUs and several nodes.
    static func readme(_ r: TorchRecipe) -> String {
        let m = r.model
        let encoder =
            m.encoder.architecture == "convnet"
            ? "convnet \(m.encoder.channels ?? [])"
            : "ResNet-\(m.encoder.depth ?? 0) width \(m.encoder.width ?? 0) (\(m.encoder.stem ?? "") stem)"
        let queue = m.queue.map { "queue \($0)" } ?? "no queue"
        return """
            # MoCo v\(m.version) on \(markdown(r.data.name)), exported by moco \(r.mocoVersion)

            `recipe.json` holds every choice of the run: \(encoder), head dimension \(m.dim), \(queue), temperature \
            \(m.temperature), shuffle-BN over \(m.splits) split\(m.splits == 1 ? "" : "s"), \(r.epochs) epochs of \
            global batch \(r.batch) (\(r.stepsPerEpoch) steps an epoch), optimizer \(r.optimizer.kind) with lr \
            \(markdown(r.optimizer.lrName)) (set every \(r.lrUpdate)), momentum \(markdown(r.schedule.momentumName)), \
            seed \(r.seed). \
            The learning rate and momentum are recorded at every step, so `train.py` follows them exactly.

            ## Set up
            ```
            python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
            ```

            ## One machine, CPU (two processes, gloo)
            ```
            OMP_NUM_THREADS=1 torchrun --standalone --nproc-per-node 2 train.py --threads 1
            ```
            Or one process: `python train.py`. Shuffle-BN: across processes the key batch is shuffled by one \
            permutation over all of them; with one process `SplitBatchNorm` emulates it.

            ## One machine, N GPUs (nccl)
            ```
            torchrun --standalone --nproc-per-node N train.py --backend nccl --workers 4
            ```

            ## Several nodes
            On each of the M nodes (node rank 0 to M-1), with HOST:PORT reachable from all:
            ```
            torchrun --nnodes M --nproc-per-node N --rdzv-backend c10d --rdzv-endpoint HOST:PORT --rdzv-id moco \\
              train.py --backend nccl --workers 4
            ```

            ## Options
            - `--batch B`: the global batch, divided among the processes; the learning rate is scaled by \
            B / \(r.batch) (the linear scaling rule), and `train.py` says so.
            - `--epochs E`, `--seed S`, `--out DIR` (default `run`), `--threads T`, `--workers W`.
            - `--resume`: go on from `run/checkpoint.safetensors` (written by rank 0 after every epoch, atomically) \
            exactly as the straight run would; `--until E` stops after epoch E with the schedules as planned.
            - `python train.py convert moco_v2_800ep_pretrain.pth.tar weights.safetensors`: a facebookresearch/moco \
            checkpoint as safetensors, for `load_encoder` in moco.

            ## Back in moco
            ```
            let run = load_run("run")              # encoders and queue from run/checkpoint.safetensors
            let log = load_log("run/log.jsonl")    # loss, top1, lr, m, knn, images_per_s per epoch
            plot(log.loss, title: "InfoNCE loss per epoch")
            ```
            Data paths in `recipe.json` are those of the machine that exported it; edit `data.path` (and \
            `monitor.test.path`) where the data lies elsewhere.

            """
    }

    /// `text` as literal Markdown text: punctuation that Markdown or HTML would read is escaped, control characters
    /// and line breaks become spaces.
    static func markdown(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" {
                out += " "
            } else if "\\`*_{}[]<>()#+-.!|~&\"'".unicodeScalars.contains(scalar) {
                out += "\\" + String(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
