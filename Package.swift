// swift-tools-version:6.0
import PackageDescription

/// moco: a Swift lab for Momentum Contrast.
///
/// Dependencies point one way: executables -> MocoTensor -> CBLAS / CDNNL (system libraries).
/// Later layers (MocoNN, MocoData, Moco, MocoViz, MocoScript, MocoNotebook) stack on MocoTensor.
let package = Package(
    name: "moco",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "MocoTensor", targets: ["MocoTensor"]),
        .executable(name: "moco-bench", targets: ["MocoBench"]),
        .executable(name: "moco-engine-demo", targets: ["MocoEngineDemo"]),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .target(
            name: "MocoTensor",
            dependencies: ["CBLAS", "CDNNL"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        .executableTarget(name: "MocoBench", dependencies: ["MocoTensor", "CBLAS", "CDNNL"]),
        .executableTarget(name: "MocoEngineDemo", dependencies: ["MocoTensor"]),
        .testTarget(
            name: "MocoTensorTests",
            dependencies: ["MocoTensor"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
