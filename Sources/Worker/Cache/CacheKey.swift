/// What an embedding is cached under: the model that computed it, the kind of input, and the input
/// itself — the exact final text (after any template), or the SHA-256 of an image file's bytes, so the
/// same file read from two paths or sent inline is one entry.
public struct CacheKey: Hashable, Sendable {
  public enum Kind: String, Sendable, CaseIterable {
    case text, image
  }

  /// The model's identity (`ModelInfo.id`).
  public var model: String
  public var kind: Kind
  /// The text, or the lowercase hexadecimal SHA-256 of the image file.
  public var content: String

  public init(model: String, kind: Kind, content: String) {
    self.model = model
    self.kind = kind
    self.content = content
  }

  public static func text(_ text: String, model: String) -> CacheKey {
    CacheKey(model: model, kind: .text, content: text)
  }

  public static func image(bytes: [UInt8], model: String) -> CacheKey {
    CacheKey(model: model, kind: .image, content: SHA256.hexDigest(bytes))
  }

  /// The bytes an entry holding a `dimension`-long embedding is charged: 4 per float32 plus the key's
  /// content (the text's UTF-8 length, or 64 for a digest), so that long texts cannot overrun the bound.
  public func cost(dimension: Int) -> Int { 4 * dimension + content.utf8.count }
}
