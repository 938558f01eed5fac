import Kernels

/// A `[rows, width]` lookup table read a row at a time (the token embeddings: 49408 × 512 for ViT-B/32), held
/// as the checkpoint stores it: floats, or halves widened row by row on lookup (exactly), which keeps a
/// half-precision checkpoint's largest tensor at half the memory.
public struct EmbeddingTable: Sendable {
  enum Storage: Sendable {
    case float32([Float])
    case halves([UInt16], HalfFormat)
  }

  public let rows: Int
  public let width: Int
  let storage: Storage

  /// - Precondition: `storage` holds `rows * width` values.
  init(rows: Int, width: Int, storage: Storage) {
    let count = switch storage {
    case .float32(let values): values.count
    case .halves(let halves, _): halves.count
    }
    precondition(count == rows * width, "EmbeddingTable: \(count) values for [\(rows), \(width)]")
    (self.rows, self.width, self.storage) = (rows, width, storage)
  }

  /// Row `index`, as floats.
  public func row(_ index: Int) -> [Float] {
    precondition(index >= 0 && index < rows, "EmbeddingTable: row \(index) outside \(rows)")
    let range = index * width ..< (index + 1) * width
    return switch storage {
    case .float32(let values): Array(values[range])
    case .halves(let halves, let format): widenHalves(halves[range], format: format)
    }
  }
}
