import Foundation
import SafeTensors
import Testing
import CLIP
import Models
@testable import Transformer

/// Loading is strict: each defect of a checkpoint directory is refused with an error that names it. The
/// defective files are built here from tiny-clip's tensors, not committed.
@Suite(.timeLimit(.minutes(5))) struct CheckpointLoadingTests {
  /// Loads tiny-clip's config with `weights` as model.safetensors.
  private func load(weights: Data, config: Data? = nil) throws {
    let directory = try TestFixtures.temporaryCheckpoint([
      "config.json": try config ?? TestFixtures.tinyFile("config.json"), "model.safetensors": weights,
    ])
    defer { TestFixtures.remove(directory) }
    _ = try CLIPModel(directory: directory)
  }

  @Test func rewrittenTinyCheckpointStillLoads() throws {
    // The baseline for the defects below: re-encoding alone breaks nothing.
    try load(weights: SafeTensorsEncoder.encode(try TestFixtures.tinyTensors()))
  }

  @Test func missingTensorIsNamed() throws {
    let tensors = try TestFixtures.tinyTensors().filter { $0.name != "text_model.final_layer_norm.bias" }
    #expect(throws: CheckpointError.missingTensor("text_model.final_layer_norm.bias")) {
      try load(weights: SafeTensorsEncoder.encode(tensors))
    }
  }

  @Test func unexpectedTensorIsNamed() throws {
    let extra = SafeTensorsEncoder.Tensor(name: "text_model.encoder.layers.2.mlp.fc1.bias", shape: [37],
                                          floats: Array(repeating: 0, count: 37))
    #expect(throws: CheckpointError.unexpectedTensor("text_model.encoder.layers.2.mlp.fc1.bias")) {
      try load(weights: SafeTensorsEncoder.encode(try TestFixtures.tinyTensors() + [extra]))
    }
  }

  @Test func wronglyShapedTensorIsNamed() throws {
    let tensors = try TestFixtures.tinyTensors().map { tensor in
      tensor.name == "text_projection.weight"
        ? SafeTensorsEncoder.Tensor(name: tensor.name, dtype: .f32, shape: [32, 24], bytes: tensor.bytes) : tensor
    }
    let expected = CheckpointError.shapeMismatch(tensor: "text_projection.weight", expected: [24, 32], found: [32, 24])
    #expect(throws: expected) {
      try load(weights: SafeTensorsEncoder.encode(tensors))
    }
  }

  @Test func unsupportedDTypeIsNamed() throws {
    let tensors = try TestFixtures.tinyTensors().map { tensor in
      tensor.name == "logit_scale"
        ? SafeTensorsEncoder.Tensor(name: tensor.name, dtype: .f64, shape: [], bytes: Array(repeating: 0, count: 8))
        : tensor
    }
    #expect(throws: SafeTensorsError.unsupportedDType(tensor: "logit_scale", dtype: .f64)) {
      try load(weights: SafeTensorsEncoder.encode(tensors))
    }
  }

  @Test func truncatedFileIsRefused() throws {
    let weights = try TestFixtures.tinyFile("model.safetensors")
    let file = try SafeTensorsFile(data: weights)
    let last = file.tensors.values.max { $0.dataRange.upperBound < $1.dataRange.upperBound }!
    let cut = 100
    let end = UInt64(last.dataRange.upperBound)
    #expect(throws: SafeTensorsError.tensorBeyondFile(tensor: last.name, end: end, dataByteCount: end - UInt64(cut))) {
      try load(weights: weights.prefix(weights.count - cut))
    }
  }

  @Test func corruptHeaderIsRefused() throws {
    var weights = try TestFixtures.tinyFile("model.safetensors")
    weights[20] = UInt8(ascii: "}")  // inside the first key: the JSON ends early, followed by garbage
    #expect {
      try load(weights: weights)
    } throws: { error in
      guard case .invalidHeader = error as? SafeTensorsError else { return false }
      return true
    }
  }

  @Test func headerLengthBeyondFileIsRefused() throws {
    var weights = try TestFixtures.tinyFile("model.safetensors")
    let declared = UInt64(weights.count)  // 8 bytes more than there are after the length
    for i in 0..<8 { weights[i] = UInt8(truncatingIfNeeded: declared >> (8 * UInt64(i))) }
    #expect(throws: SafeTensorsError.headerBeyondFile(declared: declared, available: declared - 8)) {
      try load(weights: weights)
    }
  }

  @Test func missingConfigIsNamed() throws {
    let weights = try TestFixtures.tinyFile("model.safetensors")
    let directory = try TestFixtures.temporaryCheckpoint(["model.safetensors": weights])
    defer { TestFixtures.remove(directory) }
    #expect {
      try CLIPModel(directory: directory)
    } throws: { error in
      guard case let .unreadableFile(path, _) = error as? CheckpointError else { return false }
      return path == directory.appendingPathComponent("config.json").path
    }
  }

  /// Every tiny checkpoint reports what it stores and the scale it learned.
  @Test func infoDescribesTheModel() throws {
    let info = try CLIPModel(directory: TestFixtures.checkpoint("tiny-clip")).info
    #expect(info.embeddingDimension == 24 && info.imageSize == 32 && info.contextLength == 77)
    #expect(info.textHiddenSize == 32 && info.visionHiddenSize == 48 && info.dtype == "float32")
    #expect(abs(info.logitScale - Float(2.9).exponentiated) < 1e-5)
  }
}

private extension Float {
  var exponentiated: Float { Foundation.exp(self) }
}
