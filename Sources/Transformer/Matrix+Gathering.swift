import Kernels

extension Matrix {
  /// The columns `range` of every row, as a new matrix.
  public func columns(_ range: Range<Int>) -> Matrix {
    var result = Matrix(rows: rows, columns: range.count)
    for row in 0..<rows {
      result.scalars.replaceSubrange(
        row * range.count ..< (row + 1) * range.count, with: scalars[row * columns + range.lowerBound ..< row * columns + range.upperBound])
    }
    return result
  }

  /// The rows `rows`, in that order, as a new matrix.
  public func gathering(rows indices: [Int]) -> Matrix {
    var result = Matrix(rows: indices.count, columns: columns)
    for (i, row) in indices.enumerated() {
      result.scalars.replaceSubrange(i * columns ..< (i + 1) * columns, with: self.row(row))
    }
    return result
  }
}
