import Foundation
import Kernels
import SafeTensors
import Transformer

/// A loaded SigLIP model: both towers and the learned logit scale and bias.
///
/// Immutable after loading; its methods may be called from several threads at once.
public struct SiglipModel: Sendable {
  /// Non-persistent buffers a checkpoint may carry and `SiglipModel` drops when loading.
  static let ignoredTensors: Set<String> = [
    "text_model.embeddings.position_ids", "vision_model.embeddings.position_ids",
  ]

  public let config: SiglipConfig
  public let text: SiglipTextEncoder
  public let vision: SiglipVisionEncoder
  /// `exp(logit_scale)`, the factor applied to cosine similarities.
  public let logitScale: Float
  /// `logit_bias`, added to every scaled cosine before the sigmoid.
  public let logitBias: Float
  /// How the encoder layers' linear weights are held.
  public let precision: LinearPrecision
  /// The storage types of the weights, as PyTorch names them.
  public let dtype: String

  /// Loads `config.json` and the weights (safetensors, else `pytorch_model.bin`) of `directory`.
  /// - Parameter precision: how the encoder layers' linear weights are held (`.float32`: as stored, exact).
  public init(directory: URL, precision: LinearPrecision = .float32) throws {
    try self.init(config: SiglipConfig(directory: directory), checkpoint: CheckpointWeights(directory: directory),
                  precision: precision)
  }

  /// Binds `checkpoint`'s tensors to the model `config` describes, refusing any mismatch.
  public init(config: SiglipConfig, checkpoint: CheckpointWeights, precision: LinearPrecision = .float32) throws {
    var store = WeightStore(checkpoint, ignoring: Self.ignoredTensors, precision: precision)
    self.config = config
    text = try SiglipTextEncoder(&store, config: config.text)
    vision = try SiglipVisionEncoder(&store, config: config.vision)
    (logitScale, logitBias) = try Self.logits(&store)
    try store.finish()
    self.precision = precision
    dtype = Self.dtype(of: store)
  }

  /// `exp(logit_scale)` and `logit_bias`, as every SigLIP family's model stores them.
  static func logits(_ store: inout WeightStore) throws -> (scale: Float, bias: Float) {
    (Foundation.exp(try store.tensor("logit_scale", shape: [1])[0]), try store.tensor("logit_bias", shape: [1])[0])
  }

  /// The storage types of the weights `store` bound, as PyTorch names them ("float32", "bfloat16+float32").
  static func dtype(of store: WeightStore) -> String { store.dtypes.map(\.torchName).sorted().joined(separator: "+") }
}
