import Foundation
import MocoNN
import MocoTensor
import Testing

@Suite("safetensors")
struct SafeTensorsTests {
    let sample: StateDict = [
        ("a.weight", .float(try! Tensor(shape: [2, 3], scalars: [1, -2, 3.5, 0, 1e-8, -7]))),
        ("a.num_batches_tracked", .int64([42], shape: [])),
        ("empty", .float(try! Tensor.zeros([0, 4])))
    ]

    @Test func roundTripIsExact() throws {
        let data = try SafeTensors.encode(sample, metadata: ["format": "pt", "quote\"": "x"])
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + headerLength) % 8 == 0)
        let (tensors, metadata) = try SafeTensors.decode(data, file: "t.safetensors")
        #expect(metadata == ["format": "pt", "quote\"": "x"])
        #expect(tensors.map(\.name) == sample.map(\.name))
        #expect(zip(tensors, sample).allSatisfy { $0.tensor == $1.tensor })
    }

    /// A file with this header JSON and `dataBytes` bytes of data.
    func file(_ header: String, dataBytes: Int) -> Data {
        var d = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { d.append(contentsOf: $0) }
        d.append(contentsOf: Array(header.utf8))
        d.append(Data(count: dataBytes))
        return d
    }

    func refused(_ data: Data, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: SafeTensorsError(file: "bad.safetensors", reason: reason), sourceLocation: sourceLocation) {
            try SafeTensors.decode(data, file: "bad.safetensors")
        }
    }

    @Test func refusesCorruptFiles() throws {
        refused(Data([1, 2, 3]), "file of 3 bytes is shorter than the 8-byte header length")
        var long = Data()
        withUnsafeBytes(of: UInt64(500).littleEndian) { long.append(contentsOf: $0) }
        long.append(Data(count: 10))
        refused(long, "header length 500 runs past the end of the file (18 bytes)")
        var huge = Data()
        withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { huge.append(contentsOf: $0) }
        refused(huge, "header length 1099511627776 is larger than the limit of 100000000 bytes")
        refused(file("[1, 2]", dataBytes: 0), "header is not a JSON object")
        refused(
            file(
                #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#,
                dataBytes: 12),
            "tensors a and b overlap")
        refused(
            file(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#, dataBytes: 4),
            "tensor a: data_offsets [0, 8] run past the data (4 bytes)")
        refused(
            file(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#, dataBytes: 12),
            "data_offsets leave bytes 0..<4 unused before tensor a")
        refused(
            file(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#, dataBytes: 16),
            "the data holds 16 bytes but the tensors cover 8")
        refused(
            file(#"{"a": {"dtype": "Q7", "shape": [2], "data_offsets": [0, 8]}}"#, dataBytes: 8),
            "tensor a has an unknown dtype Q7")
        refused(
            file(#"{"a": {"dtype": "F16", "shape": [4], "data_offsets": [0, 8]}}"#, dataBytes: 8),
            "tensor a has dtype F16, which moco does not read (F32 and I64 only)")
        refused(
            file(#"{"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, dataBytes: 8),
            "tensor a: shape [3] of F32 needs 12 bytes, data_offsets give 8")
        refused(
            file(#"{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 8]}}"#, dataBytes: 8),
            "tensor a has an invalid shape")
        refused(
            file(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}"#, dataBytes: 8),
            "tensor a has invalid data_offsets")
        refused(
            file(#"{"a": {"dtype": "F32", "shape": [2]}}"#, dataBytes: 8),
            "tensor a needs dtype, shape and data_offsets")
        refused(file(#"{"__metadata__": {"k": 1}}"#, dataBytes: 0), "__metadata__ must map strings to strings")
        // A truncated real file: its data is cut short.
        let good = try SafeTensors.encode(sample)
        #expect(throws: SafeTensorsError.self) {
            try SafeTensors.decode(good.prefix(good.count - 3), file: "cut.safetensors")
        }
    }

    @Test func missingFileIsNamed() {
        #expect(throws: SafeTensorsError.self) {
            try SafeTensors.read(URL(fileURLWithPath: "/nonexistent/w.safetensors"))
        }
    }
}
