import Foundation
import SafeTensors
import Testing
import TorchCheckpoint

/// The fixtures of `Fixtures/`, written by `Fixtures/make_fixtures.py` with real `torch.save`.
enum Fixtures {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
  static func url(_ path: String) -> URL { directory.appendingPathComponent(path) }
  static func bytes(_ path: String) throws -> Data { try Data(contentsOf: url(path)) }
}

/// Asserts that every tensor of `checkpoint` equals `reference`'s bit for bit, in values and in stored bytes.
func expectEqual(_ tensors: [String: TorchTensorInfo], floats: (String) throws -> [Float],
                 bytes: (String) throws -> Data, reference: SafeTensorsFile, renamed: [String: String] = [:],
                 sourceLocation: SourceLocation = #_sourceLocation) throws {
  for (name, info) in tensors.sorted(by: { $0.key < $1.key }) {
    let referenceName = renamed[name] ?? name
    let expected = try #require(reference.tensors[referenceName], "\(name)", sourceLocation: sourceLocation)
    #expect(info.shape == expected.shape && info.dtype == expected.dtype, "\(name)", sourceLocation: sourceLocation)
    #expect(try bytes(name) == reference.withStoredBytes(referenceName) { Data($0) }, "\(name)",
            sourceLocation: sourceLocation)
    if info.dtype.isReadableAsFloat {
      #expect(try floats(name).map(\.bitPattern) == reference.floats(referenceName).map(\.bitPattern), "\(name)",
              sourceLocation: sourceLocation)
    }
  }
}

@Suite(.timeLimit(.minutes(5))) struct TorchCheckpointFileTests {
  /// Opens `cases/<name>` and checks it against `cases/views.safetensors`.
  private func expectViews(_ name: String) throws {
    let file = try TorchCheckpointFile(contentsOf: Fixtures.url("cases/" + name))
    let reference = try SafeTensorsFile(contentsOf: Fixtures.url("cases/views.safetensors"))
    #expect(Set(file.tensors.keys) == Set(reference.tensors.keys).union(["tied.b"]))
    try expectEqual(file.tensors, floats: file.floats, bytes: { try file.withStoredBytes($0) { Data($0) } },
                    reference: reference, renamed: ["tied.b": "tied.a"])
  }

  @Test func viewsOfSharedStoragesReadAsTheirContiguousCopies() throws {
    try expectViews("views.bin")
    let file = try TorchCheckpointFile(contentsOf: Fixtures.url("cases/views.bin"))
    let transposed = try #require(file.tensors["transposed"]), slice = try #require(file.tensors["slice"])
    let row = try #require(file.tensors["row"])
    #expect(transposed.shape == [6, 4] && transposed.strides == [1, 6] && !transposed.isContiguous)
    #expect(slice.shape == [3, 3] && slice.strides == [6, 2] && slice.storageOffset == 6 && !slice.isContiguous)
    #expect(row.storageOffset == 12 && row.isContiguous)
    // The transposed view, the slice and the row are views of one storage; the tied weight is one tensor twice.
    #expect(Set([transposed.storageKey, slice.storageKey, row.storageKey]).count == 1)
    #expect(file.tensors["tied.a"]?.storageKey == file.tensors["tied.b"]?.storageKey)
    #expect(file.tensors["tied.a"]?.storageKey != transposed.storageKey)
    #expect(file.tensors["ids"]?.dtype == .i64 && file.tensors["half"]?.dtype == .f16)
    #expect(file.tensors["bfloat"]?.dtype == .bf16 && file.tensors["scalar"]?.shape == [])
    #expect(file.tensors["empty"]?.shape == [0, 3])
    #expect(throws: TorchCheckpointError.unsupportedDType(tensor: "ids", dtype: "int64")) { try file.floats("ids") }
    #expect(throws: TorchCheckpointError.missingTensor("nope")) { try file.floats("nope") }
    #expect(!file.isBigEndian)
  }

  @Test func bigEndianStoragesAreSwapped() throws {
    try expectViews("views-big-endian.bin")
    #expect(try TorchCheckpointFile(contentsOf: Fixtures.url("cases/views-big-endian.bin")).isBigEndian)
  }

  @Test func deflatedEntriesAreInflated() throws { try expectViews("views-deflated.bin") }

  @Test func zip64SizesAndOffsetsAreRead() throws { try expectViews("views-zip64.bin") }

  @Test func hostileGlobalsAreRefusedByName() throws {
    let cases = ["os-system.bin": "posix.system", "eval.bin": "__builtin__.eval", "stack-global.bin": "os.system"]
    for (name, global) in cases.sorted(by: { $0.key < $1.key }) {
      let data = try Fixtures.bytes("cases/" + name)
      #expect(throws: TorchCheckpointError.refusedGlobal(file: name, global: global)) {
        try TorchCheckpointFile(data: data, file: name)
      }
    }
    let message = TorchCheckpointError.refusedGlobal(file: "pytorch_model.bin", global: "os.system").description
    #expect(message == "pytorch_model.bin: refused global os.system: only tensor data is read")
  }

  @Test func instructionsThatCallByNameAreRefused() throws {
    // INST (`i`) pushes the result of calling module.name: the reader does not know the opcode at all.
    #expect(throws: TorchCheckpointError.invalidPickle(
      file: "inst.bin", offset: 10, reason: "opcode 0x69 is not read (not used by torch.save for tensors)")) {
      try TorchCheckpointFile(data: try Fixtures.bytes("cases/inst.bin"), file: "inst.bin")
    }
  }

  @Test func malformedTensorsAndFilesAreRefused() throws {
    func open(_ name: String) throws { _ = try TorchCheckpointFile(data: try Fixtures.bytes("cases/" + name), file: name) }
    #expect(throws: TorchCheckpointError.tensorOutOfBounds(
      file: "out-of-bounds.bin", tensor: "w",
      reason: "(size [3], stride [1], offset 4) reaches element 6 of a storage of 6")) { try open("out-of-bounds.bin") }
    #expect(throws: TorchCheckpointError.invalidArchive(
      file: "storage-size.bin", reason: "storage archive/data/0 has 20 bytes, not 6 float32")) {
      try open("storage-size.bin")
    }
    #expect(throws: TorchCheckpointError.notAStateDict(file: "not-a-dict.bin", reason: "the pickle holds no dict")) {
      try open("not-a-dict.bin")
    }
    #expect(throws: TorchCheckpointError.legacyFormat(file: "legacy.bin")) { try open("legacy.bin") }
    #expect(throws: TorchCheckpointError.invalidArchive(file: "x.bin", reason: "not a zip archive")) {
      try TorchCheckpointFile(data: Data("{\"not\": \"a zip\"}".utf8), file: "x.bin")
    }
  }

  /// Every prefix of a real archive is refused (the central directory is at the end), and no corruption of its bytes
  /// makes reading trap: each corrupted file is refused, or opens with every tensor readable.
  @Test func truncatedAndCorruptedArchivesNeverTrap() throws {
    let data = try Fixtures.bytes("cases/views.bin")
    try #require(data.count > 3000)
    for length in 0..<data.count {
      #expect(throws: TorchCheckpointError.self) { try TorchCheckpointFile(data: data.prefix(length), file: "cut.bin") }
    }
    var generator = SplitMix(seed: 15)
    var opened = 0
    for _ in 0..<3000 {
      var corrupt = [UInt8](data)
      for _ in 0..<1 + Int(generator.next() % 4) {
        corrupt[Int(generator.next() % UInt64(corrupt.count))] = UInt8(truncatingIfNeeded: generator.next())
      }
      guard let file = try? TorchCheckpointFile(data: Data(corrupt), file: "corrupt.bin") else { continue }
      opened += 1
      for name in file.tensors.keys {
        let info = file.tensors[name]!
        let count = try file.withStoredBytes(name) { $0.count }
        #expect(count == info.elementCount * info.dtype.byteWidth, "\(name)")
      }
    }
    #expect(opened > 0, "no corruption left the archive readable: the loop tests nothing but refusals")
  }
}

/// A small deterministic generator (SplitMix64) for the corruption test.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Inputs the `torch` fuzzer found (Tests/Fuzz/torch.swift), each with the error it must give.
@Suite struct TorchFuzzRegressionTests {
  @Test func aCorruptDeflatedStorageIsRefusedAtOpen() throws {
    // Found by the fuzzer: a deflated storage whose stream is corrupt opened, and reading the tensor then threw.
    let data = try Fixtures.bytes("fuzz-regressions/torch-1ab78f4b.bin")
    try #require(data.count == 2150)
    #expect(throws: TorchCheckpointError.corruptEntry(file: "f.bin", entry: "views/data/4", size: 12)) {
      try TorchCheckpointFile(data: data, file: "f.bin")
    }
  }
}
