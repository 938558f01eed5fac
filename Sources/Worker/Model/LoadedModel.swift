import Models

/// The model once loaded, with the batcher that runs its forward passes.
struct LoadedModel: Sendable {
  let info: ModelInfo
  let model: any EmbeddingModel
  let batcher: Batcher
}

/// A loaded model and where it came from.
public struct ModelInfo: Equatable, Sendable {
  /// The identity used in results and cache keys: the checkpoint directory's absolute path, or the Hub id
  /// as `--model` gave it (`org/name`, `org/name@revision`).
  public var id: String
  /// The checkpoint directory (for a Hub id, its snapshot in the Hub cache).
  public var path: String
  public var properties: ModelProperties

  /// What the embedding cache keys its entries by: the id, and the precision when it is not the exact F32 (an int8
  /// embedding is not the F32 one).
  public var cacheIdentity: String {
    properties.precision == "f32" ? id : "\(id) [\(properties.precision)]"
  }

  public init(id: String, path: String, properties: ModelProperties) {
    self.id = id
    self.path = path
    self.properties = properties
  }
}
