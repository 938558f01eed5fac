import Kernels

/// A `[rows, width]` lookup table read a row at a time (the token embeddings: 49408 × 512 for ViT-B/32), held
/// as the checkpoint stores it: floats, or halves widened row by row on lookup (exactly), which keeps a
/// half-precision checkpoint's largest tensor at half the memory. At the faster precisions the table is reduced
/// as the weights are (`init(reducing:rows:width:precision:)`): bfloat16 halves, or int8 rows with a scale each.
public struct EmbeddingTable: Sendable {
  enum Storage: Sendable {
    case float32([Float])
    case halves([UInt16], HalfFormat)
    /// Row `r` is `values[r * width ..< (r + 1) * width]` times `scales[r]`.
    case int8(values: [Int8], scales: [Float])
  }

  public let rows: Int
  public let width: Int
  let storage: Storage
  /// Columns held exactly beside a reduced table (ascending; empty for most tables), `exactValues[r * count + i]`
  /// row `r`'s value in `exactColumns[i]`: the channels that the encoder's layer norms amplify (see
  /// `LayerNorm.outlierChannels`), whose rounding error every layer would multiply.
  let exactColumns: [Int]
  let exactValues: [Float]

  /// - Precondition: `storage` holds `rows * width` values (and, for `.int8`, `rows` scales); `exactValues` holds
  ///   `rows * exactColumns.count`.
  init(rows: Int, width: Int, storage: Storage, exactColumns: [Int] = [], exactValues: [Float] = []) {
    let count = switch storage {
    case .float32(let values): values.count
    case .halves(let halves, _): halves.count
    case .int8(let values, let scales):
      { precondition(scales.count == rows, "EmbeddingTable: \(scales.count) scales for \(rows) rows"); return values.count }()
    }
    precondition(count == rows * width, "EmbeddingTable: \(count) values for [\(rows), \(width)]")
    precondition(exactValues.count == rows * exactColumns.count, "EmbeddingTable: \(exactValues.count) exact values")
    (self.rows, self.width, self.storage) = (rows, width, storage)
    (self.exactColumns, self.exactValues) = (exactColumns, exactValues)
  }

  /// The table `values` (`rows * width` floats, row-major) held at `precision`:
  /// - `.float32`: the floats as they are;
  /// - `.bfloat16`: each value rounded to bfloat16 (to nearest, ties to even), half the memory;
  /// - `.int8`: each row quantized symmetrically with its own scale (`max |row| / 127`, the integers rounded to
  ///   nearest, ties to even), a quarter of the memory. A row's lookup is then within `scale / 2` of each value.
  ///
  /// - Precondition: `values.count == rows * width`.
  init(reducing values: [Float], rows: Int, width: Int, precision: LinearPrecision) {
    precondition(values.count == rows * width, "EmbeddingTable: \(values.count) values for [\(rows), \(width)]")
    if precision == .float32 {
      self.init(rows: rows, width: width, storage: .float32(values))
    } else {
      self.init(reducing: { Array(values[$0.lowerBound * width ..< $0.upperBound * width]) }, rows: rows, width: width,
                precision: precision)
    }
  }

  /// As `init(reducing:rows:width:precision:)` for a `.bfloat16` or `.int8` table read `chunkRows` rows at a time:
  /// `floats(range)` gives the values of the rows `range`, so a checkpoint's table never needs all its floats at once.
  ///
  /// The columns `exact` (ascending) are kept as floats beside the reduced rows, and count in no int8 row's scale.
  ///
  /// - Precondition: `precision != .float32`; `floats(range)` returns `range.count * width` values.
  init(reducing floats: (Range<Int>) throws -> [Float], rows: Int, width: Int, precision: LinearPrecision,
       chunkRows: Int = 1024, exact: [Int] = []) rethrows {
    precondition(precision != .float32, "EmbeddingTable: an F32 table is not reduced")
    precondition(zip(exact, exact.dropFirst()).allSatisfy { $0 < $1 } && exact.allSatisfy { (0..<width).contains($0) },
                 "EmbeddingTable: exact columns \(exact) of \(width) not ascending")
    var halves: [UInt16] = [], quantized: [Int8] = [], scales: [Float] = [], exactValues: [Float] = []
    if precision == .bfloat16 { halves.reserveCapacity(rows * width) } else {
      quantized.reserveCapacity(rows * width)
      scales.reserveCapacity(rows)
    }
    for first in stride(from: 0, to: rows, by: max(1, chunkRows)) {
      let range = first ..< min(rows, first + max(1, chunkRows))
      var values = try floats(range)
      precondition(values.count == range.count * width, "EmbeddingTable: \(values.count) values for rows \(range)")
      for row in 0..<range.count {
        for column in exact {
          exactValues.append(values[row * width + column])
          values[row * width + column] = 0
        }
      }
      if precision == .bfloat16 {
        halves += values.map(bfloat16Bits)
        continue
      }
      for row in 0..<range.count {
        let slice = values[row * width ..< (row + 1) * width]
        let largest = slice.reduce(Float(0)) { max($0, abs($1)) }
        let inverse = largest > 0 ? 127 / largest : 0
        scales.append(largest / 127)
        quantized += slice.map { Int8(quantizing: $0 * inverse) }
      }
    }
    self.init(rows: rows, width: width,
              storage: precision == .bfloat16 ? .halves(halves, .bfloat16) : .int8(values: quantized, scales: scales),
              exactColumns: exact, exactValues: exactValues)
  }

  /// How the rows are held: `.float32` for floats and binary16 halves (which widen exactly), `.bfloat16`, `.int8`.
  public var precision: LinearPrecision {
    switch storage {
    case .float32: .float32
    case .halves(_, let format): format == .bfloat16 ? .bfloat16 : .float32
    case .int8: .int8
    }
  }

  /// Row `index`, as floats.
  public func row(_ index: Int) -> [Float] {
    precondition(index >= 0 && index < rows, "EmbeddingTable: row \(index) outside \(rows)")
    let range = index * width ..< (index + 1) * width
    var row = switch storage {
    case .float32(let values): Array(values[range])
    case .halves(let halves, let format): widenHalves(halves[range], format: format)
    case .int8(let values, let scales): values[range].map { Float($0) * scales[index] }
    }
    for (i, column) in exactColumns.enumerated() { row[column] = exactValues[index * exactColumns.count + i] }
    return row
  }
}
