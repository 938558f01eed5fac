import ImageCodecs

/// The operations the worker needs from a CLIP model — exactly those of `CLIPEngine`, which conforms in
/// `CLIPEngine+EmbeddingModel.swift`. Tests use a small deterministic model instead.
///
/// Implementations must be safe to call from any thread; the worker calls the embedding functions from
/// one compute thread at a time, with as many inputs per call as it could coalesce.
public protocol EmbeddingModel: Sendable {
  /// Sizes and settings reported by `initialize`.
  var properties: ModelProperties { get }
  /// One embedding per text, in order, not normalized.
  func textEmbeddings(_ texts: [String]) -> [[Float]]
  /// One embedding per image, in order, not normalized.
  func imageEmbeddings(_ images: [RGBImage]) -> [[Float]]
  /// The zero-shot pipeline's scores: softmax over `logitScale * cosine(image, text)` for each text, from
  /// embeddings as the embedding functions return them (not normalized).
  func zeroShotProbabilities(image: [Float], texts: [[Float]]) -> [Float]
}

/// What a loaded model reports about itself.
public struct ModelProperties: Equatable, Sendable {
  /// The length of every embedding.
  public var embeddingDimension: Int
  /// The side of the square input image, in pixels.
  public var imageSize: Int
  /// The longest token sequence of the text encoder; longer texts are truncated.
  public var contextLength: Int
  /// The weights' storage type as in the checkpoint ("float32", "float16", "bfloat16").
  public var dtype: String

  public init(embeddingDimension: Int, imageSize: Int, contextLength: Int, dtype: String) {
    self.embeddingDimension = embeddingDimension
    self.imageSize = imageSize
    self.contextLength = contextLength
    self.dtype = dtype
  }
}

/// A loaded model and where it came from.
public struct ModelInfo: Equatable, Sendable {
  /// The identity used in results and cache keys: the checkpoint directory's absolute path, or the Hub id
  /// as `--model` gave it (`org/name`, `org/name@revision`).
  public var id: String
  /// The checkpoint directory (for a Hub id, its snapshot in the Hub cache).
  public var path: String
  public var properties: ModelProperties

  public init(id: String, path: String, properties: ModelProperties) {
    self.id = id
    self.path = path
    self.properties = properties
  }
}
