/// What clients need to know about a loaded model.
public struct CLIPModelInfo: Equatable, Sendable, Codable {
  /// Width of text and image embeddings (`projection_dim`).
  public let embeddingDimension: Int
  /// Side of the square pixel tensor the vision tower takes.
  public let imageSize: Int
  /// The most tokens a text may have (`max_position_embeddings`, 77 for CLIP).
  public let contextLength: Int
  /// Storage type of the weights as PyTorch names it (`"float32"`, `"float16"`, `"bfloat16"`); computation
  /// is always in `Float`.
  public let dtype: String
  /// `exp(logit_scale)`, the factor applied to cosine similarities.
  public let logitScale: Float
  /// Width of the text tower.
  public let textHiddenSize: Int
  /// Width of the vision tower.
  public let visionHiddenSize: Int

  public init(embeddingDimension: Int, imageSize: Int, contextLength: Int, dtype: String, logitScale: Float,
              textHiddenSize: Int, visionHiddenSize: Int) {
    self.embeddingDimension = embeddingDimension
    self.imageSize = imageSize
    self.contextLength = contextLength
    self.dtype = dtype
    self.logitScale = logitScale
    self.textHiddenSize = textHiddenSize
    self.visionHiddenSize = visionHiddenSize
  }
}
