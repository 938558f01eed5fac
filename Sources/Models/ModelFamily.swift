import Foundation
import Hub
import Kernels

/// A model family as a value: the `model_type`s it serves, the files it reads from a checkpoint, and how it
/// loads one into an `EmbeddingModel` (its config, towers built from the shared `Transformer` layers, tokenizer,
/// image processor and score function are the family's own business behind `load`).
public struct ModelFamily: Sendable {
  /// The family's name as `initialize` reports it ("clip").
  public let name: String
  /// The `config.json` `model_type`s it serves.
  public let modelTypes: [String]
  /// What the Hub must fetch and a directory must hold besides `config.json` and the safetensors weights.
  public let files: CheckpointFileSet
  /// Loads a checkpoint directory whose config names one of `modelTypes`, its encoder layers at a precision.
  public let load: @Sendable (URL, LinearPrecision) throws -> any EmbeddingModel

  public init(name: String, modelTypes: [String], files: CheckpointFileSet,
              load: @escaping @Sendable (URL, LinearPrecision) throws -> any EmbeddingModel) {
    self.name = name
    self.modelTypes = modelTypes
    self.files = files
    self.load = load
  }
}
