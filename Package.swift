// swift-tools-version:6.0
import PackageDescription

/// moco: a Swift lab for Momentum Contrast.
///
/// Dependencies point one way: MocoCLI -> MocoNotebook / MocoREPL -> MocoScript -> Moco (training,
/// evaluation), MocoPlot, MocoTSNE -> MocoNN, MocoData -> MocoTensor -> CBLAS / CDNNL (system libraries);
/// MocoTSNE also links CFFTW.
/// MocoSupport (atomic writes, file-error wording, SHA-256, visible text, JSON strings, restarting the program) sits
/// below them all and links no numerics, so MocoPlot needs nothing else.
let package = Package(
    name: "moco",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "MocoTensor", targets: ["MocoTensor"]),
        .library(name: "MocoNN", targets: ["MocoNN"]),
        .library(name: "MocoData", targets: ["MocoData"]),
        .library(name: "Moco", targets: ["Moco"]),
        .executable(name: "moco-bench", targets: ["MocoBench"]),
        .executable(name: "moco-demo", targets: ["MocoDemo"]),
        .library(name: "MocoTSNE", targets: ["MocoTSNE"]),
        .library(name: "MocoPlot", targets: ["MocoPlot"]),
        .library(name: "MocoScript", targets: ["MocoScript"]),
        .executable(name: "moco", targets: ["MocoCLI"]),
        .executable(name: "moco-fuzz", targets: ["MocoFuzz"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CZMQ", path: "Sources/CZMQ"),
        .systemLibrary(name: "CFFTW", path: "Sources/CFFTW"),
        .target(name: "MocoSupport"),
        // Shared by the test targets: shape-checking closeness and golden files.
        .target(name: "MocoTestSupport", dependencies: ["MocoTensor"]),
        .target(name: "MocoTensor", dependencies: ["CBLAS", "CDNNL", "MocoSupport"]),
        .target(name: "CLineEditor", linkerSettings: [.linkedLibrary("readline")]),
        .target(name: "CJPEGDecoder", linkerSettings: [.linkedLibrary("jpeg")]),
        .target(
            name: "MocoNotebook", dependencies: ["MocoScript", "MocoData", "MocoPlot", "MocoTensor", "MocoSupport"]),
        .target(name: "MocoREPL", dependencies: ["MocoScript", "MocoPlot", "MocoTensor", "MocoSupport", "CLineEditor"]),
        // The Jupyter kernel: ZeroMQ from Debian.
        .target(name: "MocoKernel", dependencies: ["MocoScript", "MocoSupport", "CZMQ", "CZlib"]),
        .executableTarget(
            name: "MocoBench",
            dependencies: [
                "MocoREPL", "MocoTSNE", "MocoScript", "Moco", "MocoNN", "MocoData", "MocoTensor", "MocoSupport",
                "CBLAS",
                "CDNNL"
            ]),
        .target(name: "MocoNN", dependencies: ["MocoTensor", "MocoSupport"]),
        .target(
            name: "MocoData", dependencies: ["MocoTensor", "MocoSupport", "CZlib", "CPNG", "CJPEGDecoder"],
            resources: [.copy("Resources")]),
        .target(name: "Moco", dependencies: ["MocoNN", "MocoData", "MocoTensor", "MocoSupport"]),
        .executableTarget(name: "MocoDemo", dependencies: ["Moco", "MocoNN", "MocoData", "MocoTensor"]),
        .target(name: "MocoTSNE", dependencies: ["MocoTensor", "CBLAS", "CFFTW"]),
        .target(name: "MocoPlot", dependencies: ["MocoSupport"]),
        .target(
            name: "MocoScript",
            dependencies: ["MocoPlot", "MocoTSNE", "Moco", "MocoNN", "MocoData", "MocoTensor", "MocoSupport"],
            resources: [.copy("Resources")]),
        .executableTarget(
            name: "MocoCLI",
            dependencies: [
                "MocoNotebook", "MocoREPL", "MocoKernel", "MocoScript", "MocoTensor",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ]
        ),
        .testTarget(name: "MocoSupportTests", dependencies: ["MocoSupport"]),
        .testTarget(
            name: "MocoTensorTests",
            dependencies: ["MocoTensor", "MocoTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "MocoDataTests", dependencies: ["MocoData", "MocoTensor"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "MocoNNTests",
            dependencies: ["MocoTestSupport", "MocoNN", "MocoData", "MocoTensor", "MocoSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "MocoTests",
            dependencies: ["MocoTestSupport", "Moco", "MocoNN", "MocoData", "MocoTensor", "MocoSupport"],
            resources: [.copy("Fixtures")]
        ),
        // The fuzz harnesses (a library, so the tests run them too) and their driver: a bounded
        // mutation fuzzer, or libFuzzer in a build made by scripts/fuzz.
        .target(name: "CFuzzDriver"),
        .target(
            name: "MocoFuzzing",
            dependencies: ["MocoNotebook", "MocoScript", "Moco", "MocoNN", "MocoData", "MocoTensor", "MocoSupport"]),
        .executableTarget(name: "MocoFuzz", dependencies: ["MocoFuzzing", "CFuzzDriver"]),
        .testTarget(name: "MocoFuzzingTests", dependencies: ["MocoFuzzing"], resources: [.copy("Seeds")]),
        .testTarget(name: "MocoPlotTests", dependencies: ["MocoPlot", "MocoTestSupport"], resources: [.copy("Golden")]),
        .testTarget(name: "MocoTSNETests", dependencies: ["MocoTSNE", "MocoData", "MocoTensor", "MocoTestSupport"]),
        .testTarget(
            name: "MocoScriptTests", dependencies: ["MocoScript", "MocoTensor", "MocoTestSupport"], exclude: ["Python"],
            resources: [.copy("Scripts")]),
        .testTarget(
            name: "MocoNotebookTests", dependencies: ["MocoNotebook", "MocoScript", "MocoTensor", "MocoTestSupport"],
            exclude: ["Golden", "Schema", "Python"], resources: [.copy("Notebooks")]),
        .testTarget(name: "MocoKernelTests", dependencies: ["MocoTestSupport"], exclude: ["Python"]),
        .testTarget(
            name: "MocoREPLTests", dependencies: ["MocoREPL", "MocoScript", "MocoTestSupport"],
            resources: [.copy("Transcripts")])
    ],
    swiftLanguageModes: [.v6]
)
