import Kernels

extension Matrix {
  /// The rows `rows`, in that order, as a new matrix.
  public func gathering(rows indices: [Int]) -> Matrix {
    var result = Matrix(rows: indices.count, columns: columns)
    for (i, row) in indices.enumerated() {
      result.scalars.replaceSubrange(i * columns ..< (i + 1) * columns, with: self.row(row))
    }
    return result
  }
}
