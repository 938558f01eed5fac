/// A dense row-major matrix of `Float`.
///
/// Activations flow through the model as matrices whose rows are tokens (or patches) and whose columns are
/// features. Several sequences are processed together by stacking their rows.
public struct Matrix: Equatable, Sendable {
  /// Number of rows (tokens).
  public let rows: Int
  /// Number of columns (features).
  public let columns: Int
  /// The elements, row after row; `scalars.count == rows * columns`.
  public var scalars: [Float]

  /// A matrix filled with `value`.
  public init(rows: Int, columns: Int, repeating value: Float = 0) {
    precondition(rows >= 0 && columns >= 0, "Matrix: negative shape \(rows)×\(columns)")
    self.rows = rows
    self.columns = columns
    self.scalars = [Float](repeating: value, count: rows * columns)
  }

  /// A matrix over existing row-major elements.
  public init(rows: Int, columns: Int, scalars: [Float]) {
    precondition(rows >= 0 && columns >= 0, "Matrix: negative shape \(rows)×\(columns)")
    precondition(scalars.count == rows * columns, "Matrix: \(scalars.count) scalars for \(rows)×\(columns)")
    self.rows = rows
    self.columns = columns
    self.scalars = scalars
  }

  /// The shape as `[rows, columns]`, for messages.
  public var shape: [Int] { [rows, columns] }

  /// The element at `row`, `column`.
  public subscript(row: Int, column: Int) -> Float {
    get { scalars[row * columns + column] }
    set { scalars[row * columns + column] = newValue }
  }

  /// One row's elements.
  public func row(_ index: Int) -> ArraySlice<Float> {
    scalars[index * columns ..< (index + 1) * columns]
  }

  /// Rows `range` as a new matrix.
  public func rows(_ range: Range<Int>) -> Matrix {
    Matrix(rows: range.count, columns: columns,
           scalars: Array(scalars[range.lowerBound * columns ..< range.upperBound * columns]))
  }
}

extension Array where Element == Float {
  /// `count` floats, every one of them written by `write` through the pointer it is given, none zeroed first.
  ///
  /// For `count` 0 the array is empty and `write` is not called: `Array(unsafeUninitializedCapacity: 0)` stores
  /// its count into the storage that every empty array shares, a write ThreadSanitizer reports against any other
  /// thread reading an empty array.
  init(writingAll count: Int, _ write: (UnsafeMutablePointer<Float>) -> Void) {
    guard count > 0 else {
      self = []
      return
    }
    self.init(unsafeUninitializedCapacity: count) { buffer, initialized in
      write(buffer.baseAddress!)
      initialized = count
    }
  }
}
