/// One tensor's entry in a safetensors header, validated against its file.
public struct TensorInfo: Equatable, Sendable {
  /// The tensor's name, e.g. `vision_model.embeddings.patch_embedding.weight`.
  public let name: String
  /// The stored element type.
  public let dtype: DType
  /// The shape, outermost dimension first; `[]` is a scalar.
  public let shape: [Int]
  /// The tensor's bytes, as offsets into the file's data section (after the header).
  public let dataRange: Range<Int>

  /// The number of elements, the product of `shape` (1 for a scalar).
  public var elementCount: Int { shape.reduce(1, *) }
}
