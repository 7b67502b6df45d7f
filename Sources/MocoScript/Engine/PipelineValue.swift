import MocoData

/// An augmentation pipeline: a list of steps applied in order. Pipelines compose with `+`
/// and by passing pipelines to `augment(...)`.
public struct PipelineValue {
    public let steps: [any Augmentation]

    var pipeline: Pipeline { Pipeline(steps) }
    var summary: String {
        steps.isEmpty ? "augment() (identity)" : "augment(" + steps.map(\.description).joined(separator: ", ") + ")"
    }
}
