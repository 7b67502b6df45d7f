/// What a plot shows, independent of how it is drawn: a title, axis labels and one kind of
/// content. `GnuplotScript` turns it into a gnuplot script and `Plotter` into files.
public struct Figure: Sendable, Equatable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    /// A logarithmic y axis (lines and histograms).
    public var logY: Bool
    public var content: Content
    /// Pixels (PNG, SVG) or characters (text preview).
    public var width: Int
    public var height: Int

    public init(
        title: String, xLabel: String = "", yLabel: String = "", logY: Bool = false, content: Content,
        width: Int = 800, height: Int = 500
    ) {
        (self.title, self.xLabel, self.yLabel, self.logY, self.content) = (title, xLabel, yLabel, logY, content)
        (self.width, self.height) = (width, height)
    }

    public enum Content: Sendable, Equatable {
        /// Curves sharing the axes, one legend entry each (loss curves, schedules, sweeps).
        case lines([Curve])
        /// Point clouds, one colour and legend entry per series (t-SNE coloured by class).
        case scatter([Curve])
        /// Overlaid histograms of samples over common bins (positive vs negative logits).
        case histogram([Sample], bins: Int)
        /// A grid of images (the augmentation gallery).
        case images(ImageGrid)
        /// A labelled matrix of values drawn as coloured cells with their values (a confusion matrix).
        case heatmap(Heatmap)
    }
}

/// A named curve or point cloud.
public struct Curve: Sendable, Equatable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    /// Drawn lighter, without a legend entry of its own (the raw curve under an EMA).
    public var faint: Bool

    public init(name: String, x: [Double], y: [Double], faint: Bool = false) {
        precondition(x.count == y.count, "a series needs as many x as y values")
        (self.name, self.x, self.y, self.faint) = (name, x, y, faint)
    }

    /// `y` against 1, 2, 3, ...
    public init(name: String, y: [Double]) {
        self.init(name: name, x: (0..<y.count).map { Double($0 + 1) }, y: y)
    }

    /// The exponential moving average `s_t = alpha s_{t-1} + (1 - alpha) y_t` (bias-corrected
    /// at the start, as TensorBoard's smoothing), named "NAME (EMA alpha)".
    public func smoothed(alpha: Double) -> Curve {
        var out: [Double] = []
        var s = 0.0
        var weight = 0.0
        for v in y {
            s = alpha * s + (1 - alpha) * v
            weight = alpha * weight + (1 - alpha)
            out.append(s / weight)
        }
        return Curve(name: name, x: x, y: out)
    }
}

/// Named samples for a histogram.
public struct Sample: Sendable, Equatable {
    public var name: String
    public var values: [Double]
    public init(name: String, values: [Double]) { (self.name, self.values) = (name, values) }
}

/// `rows x columns` images of `height x width` pixels with 1 or 3 channels, values in [0, 1],
/// each stored channel-first (C, H, W), row-major over the grid.
public struct ImageGrid: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var channels: Int
    public var imageHeight: Int
    public var imageWidth: Int
    /// One `channels x height x width` array per cell.
    public var pixels: [[Float]]
    /// Optional labels of the rows (left) and columns (top).
    public var rowLabels: [String]
    public var columnLabels: [String]

    public init(
        rows: Int, columns: Int, channels: Int, imageHeight: Int, imageWidth: Int, pixels: [[Float]],
        rowLabels: [String] = [], columnLabels: [String] = []
    ) {
        precondition(
            pixels.count == rows * columns && pixels.allSatisfy { $0.count == channels * imageHeight * imageWidth })
        (self.rows, self.columns, self.channels, self.imageHeight, self.imageWidth) = (
            rows, columns, channels, imageHeight, imageWidth
        )
        (self.pixels, self.rowLabels, self.columnLabels) = (pixels, rowLabels, columnLabels)
    }
}

/// A `rows x columns` matrix of values with a label per row and per column, drawn with row 0 at the top; each cell
/// shows its value.
public struct Heatmap: Sendable, Equatable {
    /// Row-major values.
    public var values: [Double]
    public var rowLabels: [String]
    public var columnLabels: [String]

    public init(values: [Double], rowLabels: [String], columnLabels: [String]) {
        precondition(values.count == rowLabels.count * columnLabels.count, "a heatmap needs rows x columns values")
        (self.values, self.rowLabels, self.columnLabels) = (values, rowLabels, columnLabels)
    }

    public var rows: Int { rowLabels.count }
    public var columns: Int { columnLabels.count }
}
