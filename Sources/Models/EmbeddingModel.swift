import ImageCodecs

/// What the worker needs of a loaded model, whatever its family: embeddings of texts and of images, and how
/// the zero-shot pipeline scores one against the other. A family's engine conforms (CLIP's in
/// `Families/CLIPFamily.swift`); tests use a small deterministic model instead.
///
/// Implementations must be safe to call from any thread; the worker calls the embedding functions from
/// one compute thread at a time, with as many inputs per call as it could coalesce.
public protocol EmbeddingModel: Sendable {
  /// Sizes and settings reported by `initialize`.
  var properties: ModelProperties { get }
  /// How `classify` turns embeddings into the pipeline's scores.
  var scoring: ZeroShotScoring { get }
  /// One embedding per text, in order, not normalized.
  func textEmbeddings(_ texts: [String]) -> [[Float]]
  /// One embedding per image, in order, not normalized.
  func imageEmbeddings(_ images: [RGBImage]) -> [[Float]]
}

/// What a loaded model reports about itself.
public struct ModelProperties: Equatable, Sendable {
  /// The family's name (`ModelFamily.name`: "clip", "siglip").
  public var family: String
  /// The length of every embedding.
  public var embeddingDimension: Int
  /// The side of the square input image, in pixels.
  public var imageSize: Int
  /// The longest token sequence of the text encoder; longer texts are truncated.
  public var contextLength: Int
  /// The weights' storage type as in the checkpoint ("float32", "float16", "bfloat16").
  public var dtype: String
  /// How the encoder layers compute: "f32" (exact, the default), "bf16" or "int8".
  public var precision: String

  public init(family: String, embeddingDimension: Int, imageSize: Int, contextLength: Int, dtype: String,
              precision: String = "f32") {
    self.precision = precision
    self.family = family
    self.embeddingDimension = embeddingDimension
    self.imageSize = imageSize
    self.contextLength = contextLength
    self.dtype = dtype
  }
}
