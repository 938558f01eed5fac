import CLIP
import Foundation
import SafeTensors
import Testing
import TorchCheckpoint

/// A CLIP checkpoint that ships only `pytorch_model.bin` (MetaCLIP's and Apple DFN's Hub uploads) computes exactly what
/// the same weights compute from `model.safetensors`. The weights are the micro CLIP of TorchCheckpointTests' fixtures
/// (written by real `torch.save`), with tiny-clip's tokenizer and image processor.
@Suite(.timeLimit(.minutes(5))) struct PickledCheckpointTests {
  static let pickles = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../TorchCheckpointTests/Fixtures").standardizedFileURL

  /// A checkpoint directory of the micro CLIP with the files of `fixture` (a directory under the pickle fixtures)
  /// and `extra`; removed by the caller.
  private func checkpoint(_ fixture: String, files: [String], extra: [String: Data] = [:]) throws -> URL {
    var contents = extra
    for name in ["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json",
                 "preprocessor_config.json"] {
      contents[name] = try TestFixtures.tinyFile(name)
    }
    for name in files + ["config.json"] {
      contents[name] = try Data(contentsOf: Self.pickles.appendingPathComponent("\(fixture)/\(name)"))
    }
    return try TestFixtures.temporaryCheckpoint(contents)
  }

  /// The text and image embeddings of the engine in `directory`.
  private func embeddings(_ directory: URL) throws -> (text: [[Float]], image: [[Float]], dtype: String) {
    let engine = try CLIPEngine(directory: directory)
    return (engine.textEmbeddings(try TestFixtures.inputs().texts),
            engine.imageEmbeddings(pixelTensors: try TestFixtures.pixelTensors()), engine.info.dtype)
  }

  private func bits(_ vectors: [[Float]]) -> [[UInt32]] { vectors.map { $0.map(\.bitPattern) } }

  @Test func pickledWeightsGiveTheSafetensorsEmbeddings() throws {
    let safetensors = try checkpoint("micro-clip", files: ["model.safetensors"])
    let pickled = try checkpoint("micro-clip", files: ["pytorch_model.bin"])
    let sharded = try checkpoint("micro-clip-sharded", files: [
      "pytorch_model.bin.index.json", "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"])
    defer { [safetensors, pickled, sharded].forEach(TestFixtures.remove) }
    let expected = try embeddings(safetensors)
    try #require(expected.text.count == 10 && expected.image.count == 3 && expected.text[0].count == 3)
    for directory in [pickled, sharded] {
      let found = try embeddings(directory)
      #expect(bits(found.text) == bits(expected.text), "\(directory.lastPathComponent)")
      #expect(bits(found.image) == bits(expected.image), "\(directory.lastPathComponent)")
      #expect(found.dtype == "float32")
    }
  }

  @Test func halfPickledWeightsGiveTheHalfSafetensorsEmbeddings() throws {
    // The F16 safetensors counterpart is the F32 reference rounded here, independently of the pickle.
    let reference = try SafeTensorsFile(
      contentsOf: Self.pickles.appendingPathComponent("micro-clip/model.safetensors"))
    let halves = try reference.tensors.keys.sorted().map { name in
      let info = reference.tensors[name]!
      let bytes = try reference.floats(name).flatMap { value -> [UInt8] in
        let bits = Float16(value).bitPattern
        return [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8)]
      }
      return SafeTensorsEncoder.Tensor(name: name, dtype: .f16, shape: info.shape, bytes: bytes)
    }
    let safetensors = try checkpoint("micro-clip", files: [],
                                     extra: ["model.safetensors": SafeTensorsEncoder.encode(halves)])
    let pickled = try checkpoint("micro-clip-f16", files: ["pytorch_model.bin"])
    defer { [safetensors, pickled].forEach(TestFixtures.remove) }
    let expected = try embeddings(safetensors), found = try embeddings(pickled)
    #expect(found.dtype == "float16" && expected.dtype == "float16")
    #expect(bits(found.text) == bits(expected.text))
    #expect(bits(found.image) == bits(expected.image))
  }

  @Test func safetensorsWinOverPickledWeights() throws {
    // The pickle is never opened when model.safetensors is there: a garbage one does not matter.
    let both = try checkpoint("micro-clip", files: ["model.safetensors"],
                              extra: ["pytorch_model.bin": Data("not a zip".utf8)])
    defer { TestFixtures.remove(both) }
    _ = try CLIPEngine(directory: both)
  }

  @Test func aHostilePickleIsRefusedAtLoad() throws {
    let hostile = try checkpoint("micro-clip", files: [], extra: [
      "pytorch_model.bin": try Data(contentsOf: Self.pickles.appendingPathComponent("cases/os-system.bin"))])
    defer { TestFixtures.remove(hostile) }
    #expect(throws: TorchCheckpointError.refusedGlobal(file: "pytorch_model.bin", global: "posix.system")) {
      try CLIPEngine(directory: hostile)
    }
  }
}
