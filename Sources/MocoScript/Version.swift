/// The version of moco, recorded in reports and checkpoints.
public enum MocoVersion {
    public static let string = "0.3.0"
}
