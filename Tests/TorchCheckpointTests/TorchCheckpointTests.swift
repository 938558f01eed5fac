import Foundation
import SafeTensors
import Testing
import TorchCheckpoint

/// Checkpoint directories of pickled weights: `pytorch_model.bin`, or shards named by `pytorch_model.bin.index.json`.
@Suite(.timeLimit(.minutes(5))) struct TorchCheckpointTests {
  private let reference: SafeTensorsFile

  init() throws {
    reference = try SafeTensorsFile(contentsOf: Fixtures.url("micro-clip/model.safetensors"))
  }

  @Test func singleFileEqualsTheSafetensorsWeights() throws {
    let checkpoint = try TorchCheckpoint(directory: Fixtures.url("micro-clip"))
    #expect(Set(checkpoint.tensors.keys) == Set(reference.tensors.keys))
    try #require(checkpoint.tensors.count > 40)
    try expectEqual(checkpoint.tensors, floats: checkpoint.floats,
                    bytes: { try checkpoint.withStoredBytes($0) { Data($0) } }, reference: reference)
  }

  @Test func shardsEqualTheSafetensorsWeights() throws {
    let checkpoint = try TorchCheckpoint(directory: Fixtures.url("micro-clip-sharded"))
    #expect(Set(checkpoint.tensors.keys) == Set(reference.tensors.keys))
    try expectEqual(checkpoint.tensors, floats: checkpoint.floats,
                    bytes: { try checkpoint.withStoredBytes($0) { Data($0) } }, reference: reference)
  }

  @Test func halfWeightsAreTheReferenceRounded() throws {
    let checkpoint = try TorchCheckpoint(directory: Fixtures.url("micro-clip-f16"))
    #expect(Set(checkpoint.tensors.keys) == Set(reference.tensors.keys))
    for name in checkpoint.tensors.keys.sorted() {
      #expect(checkpoint.tensors[name]?.dtype == .f16, "\(name)")
      let rounded = try reference.floats(name).map { Float(Float16($0)) }
      #expect(try checkpoint.floats(name).map(\.bitPattern) == rounded.map(\.bitPattern), "\(name)")
    }
  }

  @Test func singleFileWinsOverIndexAndIndexErrorsAreNamed() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("torch-ckpt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(!TorchCheckpoint.exists(in: url))
    #expect(throws: TorchCheckpointError.unreadable(
      path: url.path, reason: "no pytorch_model.bin or pytorch_model.bin.index.json")) {
      try TorchCheckpoint(directory: url)
    }
    let index = url.appendingPathComponent(TorchCheckpoint.indexFileName)
    try Data("{\"weight_map\": {\"w\": \"../escape.bin\"}}".utf8).write(to: index)
    #expect(TorchCheckpoint.exists(in: url))
    #expect(throws: TorchCheckpointError.invalidIndex(
      reason: "tensor w maps to \"../escape.bin\", not a file in the checkpoint directory")) {
      try TorchCheckpoint(directory: url)
    }
    let shard = "pytorch_model-00001-of-00002.bin"
    try FileManager.default.copyItem(at: Fixtures.url("micro-clip-sharded/" + shard),
                                     to: url.appendingPathComponent(shard))
    let holds = try TorchCheckpointFile(contentsOf: url.appendingPathComponent(shard)).tensors
    let present = try #require(holds.keys.sorted().first)
    let absent = try #require(reference.tensors.keys.sorted().first { holds[$0] == nil })
    try Data("{\"weight_map\": {\"\(present)\": \"\(shard)\", \"\(absent)\": \"\(shard)\"}}".utf8).write(to: index)
    #expect(throws: TorchCheckpointError.tensorNotInShard(tensor: absent, shard: shard)) {
      try TorchCheckpoint(directory: url)
    }
    try FileManager.default.copyItem(at: Fixtures.url("micro-clip/pytorch_model.bin"),
                                     to: url.appendingPathComponent(TorchCheckpoint.singleFileName))
    #expect(try TorchCheckpoint(directory: url).tensors.count == reference.tensors.count)
  }
}
