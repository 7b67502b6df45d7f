import MocoTensor

/// Each case's payload, or nil for a value of another type: what typed arguments (`Arguments`)
/// and member tables (`MemberBuilder`) unwrap, written once.
extension Value {
    var asNumber: Double? { if case .number(let x) = self { x } else { nil } }
    var asString: String? { if case .string(let s) = self { s } else { nil } }
    var asBool: Bool? { if case .bool(let b) = self { b } else { nil } }
    var asData: DataValue? { if case .data(let d) = self { d } else { nil } }
    var asPipeline: PipelineValue? { if case .pipeline(let p) = self { p } else { nil } }
    var asSchedule: ScheduleValue? { if case .schedule(let s) = self { s } else { nil } }
    var asEncoder: EncoderSpec? { if case .encoder(let e) = self { e } else { nil } }
    var asModel: ModelValue? { if case .model(let m) = self { m } else { nil } }
    var asOptimizer: OptimizerSpec? { if case .optimizer(let o) = self { o } else { nil } }
    var asMonitor: MonitorSpec? { if case .monitor(let m) = self { m } else { nil } }
    var asRun: RunValue? { if case .run(let r) = self { r } else { nil } }
    var asSeries: Series? { if case .series(let s) = self { s } else { nil } }
    var asTensor: Tensor? { if case .tensor(let t) = self { t } else { nil } }
    var asEmbedding: EmbeddingValue? { if case .embedding(let e) = self { e } else { nil } }
    var asClassifier: ClassifierValue? { if case .classifier(let c) = self { c } else { nil } }
}
