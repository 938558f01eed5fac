import Foundation
import Kernels
import SafeTensors
import Transformer

/// A loaded SigLIP 2 NaFlex model (`Siglip2Model`): SigLIP's text tower, the NaFlex vision tower, and the learned
/// logit scale and bias.
///
/// Immutable after loading; its methods may be called from several threads at once.
public struct Siglip2Model: Sendable {
  public let config: Siglip2Config
  public let text: SiglipTextEncoder
  public let vision: Siglip2VisionEncoder
  /// `exp(logit_scale)`, the factor applied to cosine similarities.
  public let logitScale: Float
  /// `logit_bias`, added to every scaled cosine before the sigmoid.
  public let logitBias: Float
  /// How the encoder layers' linear weights are held.
  public let precision: LinearPrecision
  /// The storage types of the weights, as PyTorch names them.
  public let dtype: String

  /// Loads `config.json` and the safetensors weights of `directory`.
  /// - Parameter precision: how the encoder layers' linear weights are held (`.float32`: as stored, exact).
  public init(directory: URL, precision: LinearPrecision = .float32) throws {
    try self.init(config: Siglip2Config(directory: directory), checkpoint: SafeTensorsCheckpoint(directory: directory),
                  precision: precision)
  }

  /// Binds `checkpoint`'s tensors to the model `config` describes, refusing any mismatch.
  public init(config: Siglip2Config, checkpoint: SafeTensorsCheckpoint, precision: LinearPrecision = .float32) throws {
    // Siglip2VisionEmbeddings has no position_ids buffer; the text tower's is SigLIP's.
    var store = WeightStore(checkpoint, ignoring: ["text_model.embeddings.position_ids"], precision: precision)
    self.config = config
    text = try SiglipTextEncoder(&store, config: config.text)
    vision = try Siglip2VisionEncoder(&store, config: config.vision)
    (logitScale, logitBias) = try SiglipModel.logits(&store)
    try store.finish()
    self.precision = precision
    dtype = SiglipModel.dtype(of: store)
  }
}
