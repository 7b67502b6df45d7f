import Foundation
import MocoScript
import MocoTestSupport
import Testing

/// The exported `train.py` run by PyTorch (the venv of scripts/torch-venv, which scripts/test makes).
enum TorchHarness {
    static let venv = ProcessInfo.processInfo.environment["MOCO_TORCH_VENV"].map { URL(fileURLWithPath: $0) }
    static var available: Bool {
        venv.map { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("bin/torchrun").path) }
            ?? false
    }
    static let reason: Comment = "needs the PyTorch venv (scripts/test makes it: MOCO_TORCH_VENV)"

    /// Runs a program of the venv (`python`, `torchrun`) in `dir` with one thread per process, in its turn with the
    /// other processes that train; returns its status and output.
    static func run(_ program: String, _ arguments: [String], in dir: URL, timeout: TimeInterval = 300) async throws
        -> (Int32, String)
    {
        try await Turnstile.training.pass {
            try await Subprocess.run(
                venv!.appendingPathComponent("bin/\(program)"), arguments, in: dir,
                environment: ["OMP_NUM_THREADS": "1"], timeout: timeout)
        }
    }

    /// The rows of `log.jsonl` as dictionaries.
    static func log(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }
}

@Suite(
    "Export to PyTorch: train.py with torchrun", .serialized, .enabled(if: TorchHarness.available, TorchHarness.reason))
struct TorchTrainTests {
    @Test("the quickstart on 2 processes (gloo): 2 finite log rows, and moco's kNN of its checkpoint is the logged one")
    func quickstartOnTwoProcesses() async throws {
        let dir = try ExportHarness.folder("torchrun")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("torch")
        _ = try ExportHarness.export(
            ExportHarness.notebooks.appendingPathComponent("quickstart.moco"), to: out,
            overrides: ["epochs": .number(2)], in: dir)
        let (status, output) = try await TorchHarness.run(
            "torchrun", ["--standalone", "--nproc-per-node", "2", "train.py", "--threads", "1"], in: out)
        #expect(status == 0, "\(output)")
        let rows = try TorchHarness.log(out.appendingPathComponent("run/log.jsonl"))
        #expect(rows.count == 2)
        for row in rows {
            for key in ["loss", "top1", "lr", "m", "knn", "images_per_s"] {
                #expect((row[key] as? Double)?.isFinite == true, "\(key) in \(row)")
            }
        }
        let logged = try #require(rows.last?["knn"] as? Double)
        let (interp, lines) = ExportHarness.interpreter(in: out)
        try interp.run(
            """
            let data = dataset("digits")
            let run = load_run("run")
            print(knn_accuracy(run.model, data.train, data.test, k: 20))
            print(run.epoch, run.knn.values)
            """, name: "<back>")
        let ours = try #require(Double(lines.all.first ?? ""))
        #expect(abs(ours - logged) <= 0.005, "moco \(ours), train.py \(logged)")
        #expect(lines.all.last?.hasPrefix("2 [") == true)
    }

    @Test("one step on 2 processes equals one step in 1 process with SplitBatchNorm in 2 splits")
    func distributedStepEqualsSplitBatchNorm() async throws {
        let dir = try ExportHarness.folder("ddp-step")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("torch")
        _ = try ExportHarness.export(
            ExportHarness.notebooks.appendingPathComponent("quickstart.moco"), to: out,
            overrides: ["epochs": .number(1)], in: dir)
        let script = ExportHarness.tests.appendingPathComponent("Python/ddp_step.py")
        let (status, output) = try await TorchHarness.run(
            "torchrun", ["--standalone", "--nproc-per-node", "2", script.path, out.path, "recipe.json"], in: out)
        #expect(status == 0, "\(output)")
        let line = try #require(output.split(separator: "\n").last { $0.hasPrefix("{") })
        let result = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let (ddp, single) = (result["loss_ddp"] as? Double ?? .nan, result["loss_single"] as? Double ?? .nan)
        #expect(abs(ddp - single) <= 1e-5, "\(result)")
        #expect((result["queue"] as? Double ?? .nan) <= 1e-5, "\(result)")
        #expect((result["weights"] as? Double ?? .nan) <= 1e-5, "\(result)")
    }

    @Test(
        "a closure momentum and learning rate are followed: train.py logs the recipe's values; --resume goes on exactly"
    )
    func closureSchedules() async throws {
        let dir = try ExportHarness.folder("torch-closure")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("closure.moco")
        try """
        let data = dataset("digits")
        let model = moco(encoder: convnet([8, 16]), dim: 16, queue: 256, splits: 2,
                         momentum: fn(t) { return 0.9 + 0.09 * t * t })
        let run = train(model, data.train, views: preset("digits"), epochs: 2, batch: 128,
                        optimizer: sgd(lr: fn(t) { return 0.1 * (1 - t) }, momentum: 0.9))
        """.write(to: script, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("torch")
        let (_, recipe) = try ExportHarness.export(script, to: out, in: dir)
        let (status, output) = try await TorchHarness.run("python", ["train.py", "--threads", "2"], in: out)
        #expect(status == 0, "\(output)")
        let rows = try TorchHarness.log(out.appendingPathComponent("run/log.jsonl"))
        #expect(rows.count == 2)
        // One epoch, then --resume for the second: the same log and the same checkpoint as the straight run.
        for arguments in [["--until", "1"], ["--resume"]] {
            let (status, output) = try await TorchHarness.run(
                "python", ["train.py", "--threads", "2", "--out", "resumed"] + arguments, in: out)
            #expect(status == 0, "\(output)")
        }
        let resumed = try TorchHarness.log(out.appendingPathComponent("resumed/log.jsonl"))
        #expect(resumed.map { $0["loss"] as? Double } == rows.map { $0["loss"] as? Double })
        let (same, compared) = try await TorchHarness.run(
            "python",
            [
                "-c",
                """
                from safetensors.torch import load_file
                a, b = load_file("run/checkpoint.safetensors"), load_file("resumed/checkpoint.safetensors")
                assert a.keys() == b.keys() and all(a[k].equal(b[k]) for k in a), "the checkpoints differ"
                """
            ], in: out)
        #expect(same == 0, "\(compared)")
        let steps = recipe.stepsPerEpoch
        for (epoch, row) in rows.enumerated() {
            let last = (epoch + 1) * steps - 1
            // The same doubles, up to the last bit that JSON number parsing may round differently.
            #expect(abs((row["m"] as? Double ?? .nan) - recipe.schedule.momentum[last]) <= 1e-15, "\(row)")
            #expect(abs((row["lr"] as? Double ?? .nan) - (recipe.schedule.lr?[last] ?? .nan)) <= 1e-15, "\(row)")
            #expect(row["knn"] is NSNull)
        }
    }

    /// Each encoder family and MoCo version that train.py builds loads back under moco's names (the convnet and v2:
    /// the quickstart above); a checkpoint with
    /// facebookresearch/moco's names (`module.encoder_q.*`, a `.pth.tar`) converted by `train.py convert` loads with
    /// `load_encoder`.
    @Test(
        "checkpoints of every encoder and version load back, with the logged kNN",
        arguments: [
            (#"resnet(18, width: 4, stem: "cifar", in_channels: 1)"#, 1),
            (#"resnet(34, width: 4, stem: "imagenet", in_channels: 1)"#, 3)
        ])
    func architectures(_ encoder: String, _ version: Int) async throws {
        let dir = try ExportHarness.folder("torch-arch")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("arch.moco")
        let setup = """
            let data = dataset("digits").subset(300)
            let arch = \(encoder)
            """
        try """
        \(setup)
        let model = moco(version: \(version), encoder: arch, dim: 8, queue: 128)
        let run = train(model, data.train, views: preset("digits"), epochs: 1, batch: 64, monitor: knn(data.test, k: 5))
        """.write(to: script, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("torch")
        _ = try ExportHarness.export(script, to: out, in: dir)
        let (status, output) = try await TorchHarness.run("python", ["train.py", "--threads", "2"], in: out)
        #expect(status == 0, "\(output)")
        let logged = try #require(
            try TorchHarness.log(out.appendingPathComponent("run/log.jsonl")).last?["knn"] as? Double)
        let (interp, lines) = ExportHarness.interpreter(in: out)
        try interp.run(
            """
            \(setup)
            let run = load_run("run")
            print(knn_accuracy(run.model, data.train, data.test, k: 5))
            """, name: "<back>")
        let ours = try #require(Double(lines.all.last ?? ""))
        // On 8x8 digits these deep encoders' features are near ties, so a few neighbours may swap: the kNN agrees
        // loosely, and the features themselves, computed by each side from the same checkpoint, agree closely.
        #expect(abs(ours - logged) <= 0.02, "moco \(ours), train.py \(logged)")
        try interp.run(#"save(run.model.features(data.test), "features.safetensors")"#, name: "<features>")
        let (compared, difference) = try await TorchHarness.run(
            "python",
            [
                "-c",
                """
                import json, sys, torch; sys.path.insert(0, "."); import train as T
                from safetensors.torch import load_file
                recipe, state = json.load(open("recipe.json")), load_file("run/checkpoint.safetensors")
                model = T.MoCo(recipe["model"], 1)
                model.encoder_q.load_names({k[10:]: v for k, v in state.items() if k.startswith("encoder_q.")})
                images, _ = T.load_data(recipe["monitor"]["test"])
                model.eval()
                with torch.no_grad():
                    theirs = model.encoder_q.features(images)
                ours = load_file("features.safetensors")["tensor"]
                print((theirs - ours).abs().max().item() / theirs.abs().max().item())
                """
            ], in: out)
        #expect(compared == 0, "\(difference)")
        let relative = Double(difference.split(separator: "\n").last ?? "") ?? .nan
        #expect(relative <= 1e-4, "largest feature difference, relative to the largest feature: \(difference)")
        guard version == 1 else { return }
        // The query encoder under facebookresearch/moco's names, saved by torch.save and converted.
        let (saved, savedOutput) = try await TorchHarness.run(
            "python",
            [
                "-c",
                """
                import torch; from safetensors.torch import load_file
                state = load_file("run/checkpoint.safetensors")
                torch.save({"epoch": 1, "arch": "resnet18", "state_dict": {"module." + k: v for k, v in state.items()
                            if k.startswith(("encoder_q.", "encoder_k.", "queue"))}}, "official.pth.tar")
                """
            ], in: out)
        #expect(saved == 0, "\(savedOutput)")
        let (converted, convertOutput) = try await TorchHarness.run(
            "python", ["train.py", "convert", "official.pth.tar", "official.safetensors"], in: out)
        #expect(converted == 0, "\(convertOutput)")
        try interp.run(
            """
            let official = moco(version: 1, encoder: load_encoder("official.safetensors", into: arch), dim: 8, queue: 128)
            print(knn_accuracy(official, data.train, data.test, k: 5))
            """, name: "<official>")
        #expect(lines.all.last == "\(ours)")
    }
}
