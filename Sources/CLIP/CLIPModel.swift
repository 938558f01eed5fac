import Foundation
import Kernels
import SafeTensors
import Transformer

/// A loaded CLIP model: both towers with their projections and the learned logit scale.
///
/// Immutable after loading; its methods may be called from several threads at once.
public struct CLIPModel: Sendable {
  /// The configuration the model was built from.
  public let config: CLIPConfig
  /// The text tower.
  public let text: CLIPTextEncoder
  /// The vision tower.
  public let vision: CLIPVisionEncoder
  /// `exp(logit_scale)`, the factor `CLIPModel` applies to cosine similarities.
  public let logitScale: Float
  /// How the encoder layers' linear weights are held.
  public let precision: LinearPrecision
  /// The storage types of the weights, as PyTorch names them (`"float32"`, or e.g. `"bfloat16+float32"`).
  public let dtype: String

  /// Non-persistent buffers that old Hub checkpoints saved and `CLIPModel` drops when loading.
  static let ignoredTensors: Set<String> = ["text_model.embeddings.position_ids", "vision_model.embeddings.position_ids"]

  /// Loads `config.json` and the weights (safetensors, else `pytorch_model.bin`; single file or sharded) of `directory`.
  ///
  /// - Throws: `CheckpointError` for a bad configuration or a missing, unexpected or wrongly shaped
  ///   tensor; `SafeTensorsError` or `TorchCheckpointError` for an unreadable or corrupt weights file.
  /// - Parameter precision: how the encoder layers' linear weights are held (`.float32`: as stored, exact).
  public init(directory: URL, precision: LinearPrecision = .float32) throws {
    let config = try CLIPConfig(directory: directory)
    try self.init(config: config, checkpoint: CheckpointWeights(directory: directory), precision: precision)
  }

  /// Binds `checkpoint`'s tensors to the model `config` describes, refusing any mismatch.
  public init(config: CLIPConfig, checkpoint: CheckpointWeights, precision: LinearPrecision = .float32) throws {
    var store = WeightStore(checkpoint, ignoring: CLIPModel.ignoredTensors, precision: precision)
    self.config = config
    text = try CLIPTextEncoder(&store, config: config.text, projectionDim: config.projectionDim)
    vision = try CLIPVisionEncoder(&store, config: config.vision, projectionDim: config.projectionDim)
    let scale = try store.tensor("logit_scale", shape: [])
    logitScale = Foundation.exp(scale[0])
    try store.finish()
    self.precision = precision
    dtype = store.dtypes.map(\.torchName).sorted().joined(separator: "+")
  }

  /// A summary for clients.
  public var info: CLIPModelInfo {
    CLIPModelInfo(
      embeddingDimension: config.projectionDim, imageSize: config.vision.imageSize,
      contextLength: config.text.maxPositionEmbeddings, dtype: dtype, logitScale: logitScale,
      textHiddenSize: config.text.hiddenSize, visionHiddenSize: config.vision.hiddenSize)
  }
}
