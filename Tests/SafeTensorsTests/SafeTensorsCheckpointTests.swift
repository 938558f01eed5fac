import Foundation
import Testing
import SafeTensors

/// Checkpoint directories: one file, or shards listed by `model.safetensors.index.json`.
@Suite(.timeLimit(.minutes(5))) struct SafeTensorsCheckpointTests {
  /// A temporary directory with `files`; the caller removes it.
  private func directory(_ files: [String: Data]) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    for (name, data) in files { try data.write(to: url.appendingPathComponent(name)) }
    return url
  }

  private func shard(_ names: [String]) -> Data {
    SafeTensorsEncoder.encode(names.map { .init(name: $0, shape: [1], floats: [Float($0.count)]) })
  }

  private func index(_ map: [String: String]) -> Data {
    let entries = map.keys.sorted().map { "\"\($0)\":\"\(map[$0]!)\"" }.joined(separator: ",")
    return Data("{\"metadata\":{\"total_size\":0},\"weight_map\":{\(entries)}}".utf8)
  }

  @Test func loadsShardsAsOneNamespace() throws {
    let url = try directory([
      "a.safetensors": shard(["x", "yy"]), "b.safetensors": shard(["zzz"]),
      "model.safetensors.index.json": index(["x": "a.safetensors", "yy": "a.safetensors", "zzz": "b.safetensors"]),
    ])
    defer { try? FileManager.default.removeItem(at: url) }
    let checkpoint = try SafeTensorsCheckpoint(directory: url)
    #expect(Set(checkpoint.tensors.keys) == ["x", "yy", "zzz"])
    #expect(try checkpoint.floats("yy") == [2])
    #expect(try checkpoint.floats("zzz") == [3])
    #expect(throws: SafeTensorsError.missingTensor("w")) { try checkpoint.floats("w") }
  }

  @Test func singleFileWinsOverIndex() throws {
    let url = try directory([
      "model.safetensors": shard(["single"]), "model.safetensors.index.json": Data("not json".utf8),
    ])
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(try Set(SafeTensorsCheckpoint(directory: url).tensors.keys) == ["single"])
  }

  @Test func rejectsIndexEntryMissingFromItsShard() throws {
    let url = try directory([
      "a.safetensors": shard(["x"]), "b.safetensors": shard(["y"]),
      "model.safetensors.index.json": index(["x": "a.safetensors", "y": "a.safetensors", "q": "b.safetensors"]),
    ])
    defer { try? FileManager.default.removeItem(at: url) }
    #expect {
      try SafeTensorsCheckpoint(directory: url)
    } throws: { error in
      // Dictionary order decides which of the two bad entries is found first.
      [SafeTensorsError.tensorNotInShard(tensor: "y", shard: "a.safetensors"),
       .tensorNotInShard(tensor: "q", shard: "b.safetensors")].contains(error as? SafeTensorsError)
    }
  }

  @Test func rejectsTensorInTwoShards() throws {
    let url = try directory([
      "a.safetensors": shard(["x"]), "b.safetensors": shard(["x"]),
      "model.safetensors.index.json": index(["x": "a.safetensors", "y": "b.safetensors"]),
    ])
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(throws: SafeTensorsError.invalidIndex(reason: "x is stored in both a.safetensors and b.safetensors")) {
      try SafeTensorsCheckpoint(directory: url)
    }
  }

  @Test(arguments: ["../a.safetensors", "/etc/passwd", ""])
  func rejectsShardNamesOutsideTheDirectory(_ name: String) throws {
    let url = try directory(["model.safetensors.index.json": index(["x": name])])
    defer { try? FileManager.default.removeItem(at: url) }
    let reason = "tensor x maps to \"\(name)\", not a file in the checkpoint directory"
    #expect(throws: SafeTensorsError.invalidIndex(reason: reason)) {
      try SafeTensorsCheckpoint(directory: url)
    }
  }

  @Test func rejectsIndexWithoutWeightMap() throws {
    let url = try directory(["model.safetensors.index.json": Data("{\"metadata\":{}}".utf8)])
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(throws: SafeTensorsError.invalidIndex(reason: "no weight_map of tensor names to file names")) {
      try SafeTensorsCheckpoint(directory: url)
    }
  }

  @Test func namesDirectoryWithoutWeights() throws {
    let url = try directory(["pytorch_model.bin": Data([0])])
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(throws: SafeTensorsError.unreadable(
      path: url.path, reason: "no model.safetensors or model.safetensors.index.json (only safetensors is read)")) {
      try SafeTensorsCheckpoint(directory: url)
    }
  }
}
