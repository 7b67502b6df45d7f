import Foundation
import MocoData
import MocoScript
import MocoSupport

/// `moco new NOTEBOOK --data DIR`: a ready notebook for a folder of images, with a recipe chosen from what the folder
/// holds (input size, channels, batch, queue, epochs), pre-training with diagnostics, kNN, a linear probe, fine-tuning
/// with 1%, 10% and 100% of the labels against the same network from scratch, t-SNE and a saved classifier.
public enum StarterNotebook {
    /// What a folder holds, from its file list and a sample of its images.
    public struct Survey: Equatable, Sendable {
        /// Class folders and their image counts (one class `unlabeled` for a folder without sub-folders).
        public var classes: [(name: String, count: Int)]
        /// The shorter side of each sampled image.
        public var sides: [Int]
        /// Whether every sampled image is gray (equal red, green and blue).
        public var gray: Bool

        public var count: Int { classes.reduce(0) { $0 + $1.count } }
        public var labelled: Bool { classes.count > 1 }

        public static func == (a: Survey, b: Survey) -> Bool {
            a.classes.map(\.name) == b.classes.map(\.name) && a.classes.map(\.count) == b.classes.map(\.count)
                && a.sides == b.sides && a.gray == b.gray
        }
    }

    /// The recipe the notebook starts from.
    public struct Recipe: Equatable, Sendable {
        public var size: Int
        public var channels: Int
        public var testFraction: Double
        public var batch: Int
        public var queue: Int
        public var epochs: Int
        /// Neighbours for kNN (at most the training images) and t-SNE's perplexity (at most a third of its points).
        public var k: Int
        public var perplexity: Int

        public init(
            size: Int, channels: Int, testFraction: Double, batch: Int, queue: Int, epochs: Int, k: Int, perplexity: Int
        ) {
            (self.size, self.channels, self.testFraction, self.batch) = (size, channels, testFraction, batch)
            (self.queue, self.epochs, self.k, self.perplexity) = (queue, epochs, k, perplexity)
        }
    }

    /// Surveys `folder`: its classes and counts, and the sizes and colour of up to `sample` images.
    public static func survey(_ folder: URL, sample: Int = 24) throws -> Survey {
        let listing = try ImageFolder.files(in: folder)
        var counts = [Int](repeating: 0, count: listing.classes.count)
        for (_, label) in listing.files { counts[label] += 1 }
        var sides: [Int] = []
        var gray = true
        let step = max(listing.files.count / sample, 1)
        for (url, _) in stride(from: 0, to: listing.files.count, by: step).prefix(sample).map({ listing.files[$0] }) {
            let image = try ImageFolder.image(at: url)
            sides.append(min(image.width, image.height))
            let plane = image.width * image.height
            let p = image.pixels
            if gray, (0..<plane).contains(where: { p[$0] != p[plane + $0] || p[$0] != p[2 * plane + $0] }) {
                gray = false
            }
        }
        return Survey(classes: Array(zip(listing.classes, counts)), sides: sides, gray: gray)
    }

    /// The recipe for `survey`: images resized to their median shorter side, at most 32 and at least 8; 1 channel
    /// for gray images; 20% held out when there are labels; the largest batch of 8 to 256 (a multiple of the 8
    /// shuffle-BN splits) giving at least 2 steps an epoch; a queue of the most whole batches below the training
    /// images, at most 4,096; epochs for about 2,000 steps, 20 to 200.
    public static func recipe(for survey: Survey) throws -> Recipe {
        let testFraction = survey.labelled ? 0.2 : 0
        let train = survey.count - Int((Double(survey.count) * testFraction).rounded())
        guard train >= 16 else {
            throw DataError(file: "the folder", "holds \(survey.count) images: MoCo needs at least 16 to train on")
        }
        let sides = survey.sides.sorted()
        let median = sides.isEmpty ? 32 : sides[sides.count / 2]
        let batch = [256, 128, 64, 32, 16, 8].first { $0 * 2 <= train } ?? 8
        let queue = min(4096, max(batch, (train - 1) / batch * batch))
        let steps = train / batch
        let shown = survey.labelled ? survey.count - train : train
        return Recipe(
            size: min(32, max(8, median)), channels: survey.gray ? 1 : 3, testFraction: testFraction, batch: batch,
            queue: queue, epochs: min(200, max(20, 2000 / max(steps, 1))), k: min(20, train),
            perplexity: max(1, min(30, (shown - 1) / 3)))
    }

    /// The notebook's text for the folder at `dataPath` (as the notebook should name it, relative to itself).
    public static func text(folderName: String, dataPath: String, survey: Survey, recipe r: Recipe) -> String {
        let counts = survey.classes.map { "\($0.name) \($0.count)" }.joined(separator: ", ")
        let sides = survey.sides.sorted()
        let sideRange =
            sides.isEmpty
            ? ""
            : sides.first == sides.last
                ? " (\(sides[0]) pixels on the shorter side)"
                : " (sampled shorter sides \(sides.first!) to \(sides.last!) pixels)"
        let color =
            r.channels == 3
            ? "color_jitter(0.4, 0.4, 0.4, 0.1, p: 0.8), grayscale(p: 0.2), " : ""
        let data = "dataset(\"folder\", path: \(Value.quote(dataPath)), size: \(r.size), channels: \(r.channels))"
        var cells = [
            "# %% [markdown]\n# # MoCo on \(prose(folderName))\n#\n"
                + wrapped(
                    "Written by `moco new` for \(survey.count) images in \(survey.classes.count) "
                        + (survey.labelled ? "classes" : "folder (no class sub-folders)") + sideRange + ": "
                        + prose(counts)
                        + ". The recipe below was chosen from them: images resized to \(r.size)x\(r.size) "
                        + "with \(r.channels) channel\(r.channels == 1 ? "" : "s"), batch \(r.batch) (at least two steps an "
                        + "epoch), a queue of \(r.queue) keys (whole batches, below the number of training images, so it "
                        + "never holds two keys of one image), \(r.epochs) epochs (about 2,000 steps). Edit any of it and "
                        + "render again; `moco run NOTEBOOK --set epochs=100` runs it as a script with a top-level `let` "
                        + "replaced."),
            """
            # %% The data
            seed 0
            let data = \(data)
            print(data)
            \(survey.labelled ? "let parts = data.split(test: \(r.testFraction))\nlet train_images = parts.train" : "let train_images = data")
            """,
            """
            # %% The recipe
            let epochs = \(r.epochs)
            let batch = \(r.batch)
            let queue = \(r.queue)
            let views = augment(random_resized_crop(\(r.size), scale: 0.2..1), horizontal_flip(), \(color)normalize(train_images.mean, train_images.std))
            gallery(train_images, views, samples: 6, count: 6, title: "Images and their augmented views")
            let model = moco(version: 2, encoder: convnet([32, 64, 128], in_channels: \(r.channels)), dim: 64, queue: queue, momentum: 0.99, temperature: 0.2)
            print(model)
            """
        ]
        if survey.labelled {
            cells += [
                """
                # %% Pre-training
                let run = train(model, train_images, views: views, epochs: epochs, batch: batch,
                                optimizer: sgd(lr: cosine(0.06, 0), momentum: 0.9, weight_decay: 5e-4), lr_update: "epoch",
                                monitor: knn(parts.test, k: \(r.k)), diagnostics: parts.test, quiet: true)
                print(run)
                plot(run.loss, smooth: 0.9, title: "InfoNCE loss")
                plot(run.knn, title: "kNN accuracy (k \(r.k)) on the held-out images", xlabel: "epoch")
                plot(run.rankme, title: "RankMe: effective rank of the features", xlabel: "epoch")
                """,
                """
                # %% Evaluation
                print("kNN accuracy (k \(r.k)): {knn_accuracy(model, parts.train, parts.test, k: \(r.k)):.1%}")
                print("linear probe: {linear_probe(model, parts.train, parts.test, epochs: 50):.1%}")
                plot(tsne(model, parts.test, perplexity: \(r.perplexity), quiet: true), title: "t-SNE of the held-out images")
                """,
                """
                # %% Fine-tuning with 1%, 10% and 100% of the labels
                var curves = []
                var best = nil
                for fraction in [0.01, 0.1, 1] {
                  let pre = finetune(model, parts, labels: fraction, epochs: 30, batch: 64, quiet: true)
                  let scratch = finetune(model, parts, labels: fraction, epochs: 30, batch: 64, from_scratch: true, quiet: true)
                  print("{fraction:.0%} of the labels ({pre.labels} images): pre-trained {pre.accuracy:.1%}, from scratch {scratch.accuracy:.1%}")
                  curves = curves + [pre.history.test_accuracy, scratch.history.test_accuracy]
                  best = pre
                }
                plot(curves, names: ["1%, pre-trained", "1%, from scratch", "10%, pre-trained", "10%, from scratch", "100%, pre-trained", "100%, from scratch"],
                     title: "Test accuracy while fine-tuning", xlabel: "epoch")
                """,
                """
                # %% The classifier
                print(best)
                print(best.per_class)
                print(best.save("classifier.safetensors"))
                """
            ]
        } else {
            cells += [
                """
                # %% Pre-training
                let run = train(model, train_images, views: views, epochs: epochs, batch: batch,
                                optimizer: sgd(lr: cosine(0.06, 0), momentum: 0.9, weight_decay: 5e-4), lr_update: "epoch",
                                diagnostics: train_images, quiet: true)
                print(run)
                plot(run.loss, smooth: 0.9, title: "InfoNCE loss")
                plot(run.rankme, title: "RankMe: effective rank of the features", xlabel: "epoch")
                plot(tsne(model, train_images, perplexity: \(r.perplexity), quiet: true), title: "t-SNE of the images")
                model.save("encoder.safetensors")
                """,
                """
                # %% [markdown]
                # Without class sub-folders there are no labels to evaluate or fine-tune with: sort a few images into
                # one folder per class and run `moco new` again to get the kNN, probe and fine-tuning cells.
                """
            ]
        }
        return cells.joined(separator: "\n\n") + "\n"
    }

    /// Surveys `data`, chooses the recipe and writes the notebook to `notebook` atomically; returns a summary line.
    public static func write(notebook: URL, data: URL) throws -> String {
        let survey = try survey(data)
        let r = try recipe(for: survey)
        let base = notebook.deletingLastPathComponent().standardizedFileURL.path
        let inside = data.standardizedFileURL.path.hasPrefix(base.hasSuffix("/") ? base : base + "/")
        let path = inside ? String(data.standardizedFileURL.path.dropFirst(base.count).drop { $0 == "/" }) : data.path
        guard !path.unicodeScalars.contains(where: { VisibleText.needsEscape($0, keepLines: false) }) else {
            throw DataError(file: VisibleText.escape(data.path, keepLines: false), "has control characters in its path")
        }
        let text = text(folderName: data.lastPathComponent, dataPath: path, survey: survey, recipe: r)
        try AtomicFile.write(Data(text.utf8), to: notebook)
        var line =
            "moco new: \(survey.count) images in \(survey.classes.count) class\(survey.classes.count == 1 ? "" : "es"); "
            + "size \(r.size), \(r.channels) channel\(r.channels == 1 ? "" : "s"), batch \(r.batch), queue \(r.queue), "
            + "\(r.epochs) epochs"
        if !inside { line += "; the data lies outside the notebook's folder: render with --allow-read \(data.path)" }
        return line
    }

    /// `text` as Markdown comment lines (`# ...`) of at most about 100 characters.
    static func wrapped(_ text: String) -> String {
        var lines: [String] = []
        var line = "#"
        for word in text.split(separator: " ") {
            if line.count + word.count + 1 > 100, line != "#" {
                lines.append(line)
                line = "#"
            }
            line += " " + word
        }
        return (lines + [line]).joined(separator: "\n")
    }

    /// `s` for a Markdown prose line of a notebook: control characters spelled out, Markdown's punctuation escaped.
    public static func prose(_ s: String) -> String {
        var out = ""
        for c in VisibleText.escape(s, keepLines: false) {
            if "\\`*_{}[]()#+-.!<>|~".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
