import SafeTensors

/// One tensor of a pickled checkpoint: a strided view of a storage, checked to lie inside it.
public struct TorchTensorInfo: Equatable, Sendable {
  /// The tensor's name in the state dict.
  public let name: String
  /// The storage's element type.
  public let dtype: DType
  /// The shape, outermost dimension first; `[]` is a scalar.
  public let shape: [Int]
  /// The step between neighbours along each dimension, in elements (row-major contiguous: `[shape[1]·…, …, 1]`).
  public let strides: [Int]
  /// Where the view starts in its storage, in elements.
  public let storageOffset: Int
  /// The storage's key (`data/<key>` in the archive); tensors that share a storage (tied weights) share a key.
  public let storageKey: String

  /// The number of elements, the product of `shape` (1 for a scalar).
  public var elementCount: Int { shape.reduce(1, *) }

  /// Whether the elements lie in row-major order without gaps, so that the stored bytes are one range.
  public var isContiguous: Bool {
    var expected = 1
    for (size, stride) in zip(shape, strides).reversed() where size != 1 {
      guard stride == expected else { return elementCount == 0 }
      expected *= size
    }
    return true
  }
}
