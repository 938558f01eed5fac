import ImageCodecs
import Kernels

/// Resizes `image` to `width`×`height` exactly as Pillow's `Image.resize((width, height), filter)` does
/// for an RGB image (no `box`, no `reducing_gap`): the same kernels, the same fixed-point weights, the same
/// order of the two passes and the same rounding to 8 bits between them.
///
/// - Precondition: `width` > 0 and `height` > 0.
/// - Complexity: O((width × image.height + width × height) × taps) when the horizontal pass runs first,
///   taps growing with the shrink factor.
public func resize(_ image: RGBImage, width: Int, height: Int, filter: ResamplingFilter) -> RGBImage {
  precondition(width > 0 && height > 0, "resize: target size \(width)×\(height)")
  let pixels = resampleWindow(image, width: width, height: height, filter: filter, columns: 0..<width, rows: 0..<height)
  return RGBImage(width: width, height: height, pixels: pixels)
}

/// The pixels in `rows` × `columns` of `resize(image, width:height:filter:)`, interleaved RGB, row by row,
/// computed without the rest of the resized image. Bit-identical to cropping the full result: every output
/// pixel depends only on its own row's and column's weights and on the intermediate pixels they read, and
/// the first pass is run for exactly the intermediate pixels the requested outputs read.
func resampleWindow(
  _ image: RGBImage, width: Int, height: Int, filter: ResamplingFilter, columns: Range<Int>, rows: Range<Int>
) -> [UInt8] {
  precondition(width > 0 && height > 0, "resize: target size \(width)×\(height)")
  precondition(columns.lowerBound >= 0 && columns.upperBound <= width && !columns.isEmpty, "resize: \(columns)")
  precondition(rows.lowerBound >= 0 && rows.upperBound <= height && !rows.isEmpty, "resize: \(rows)")
  let source = RowSource(image)
  if width == image.width && height == image.height {
    // Pillow returns a copy when the size does not change, whatever the filter.
    return source.columns(columns).copy(rows: rows)
  }
  if filter == .nearest {
    return nearestWindow(image, width: width, height: height, columns: columns, rows: rows)
  }
  // Pillow skips the pass of an axis that keeps its size.
  if width == image.width {
    let vertical = AxisCoefficients(inputSize: image.height, outputSize: height, filter: filter, outputs: rows)
    return verticalPass(source.columns(columns), vertical).bytes
  }
  let horizontal = AxisCoefficients(inputSize: image.width, outputSize: width, filter: filter, outputs: columns)
  if height == image.height {
    return horizontalPass(source, horizontal, rows: rows).bytes
  }
  let vertical = AxisCoefficients(inputSize: image.height, outputSize: height, filter: filter, outputs: rows)
  // Pillow 13 (ImagingResample, read from the compiled library since its source is not at hand) runs the
  // vertical pass first when the image loses more than twice as many rows as columns; the 8-bit rounding
  // between the passes makes the order visible in the result.
  let rowsLost = image.height - height, columnsLost = image.width - width
  if rowsLost > 0 && rowsLost > 2 * columnsLost {
    let intermediate = verticalPass(source.columns(horizontal.inputSpan), vertical)
    return horizontalPass(intermediate, horizontal, rows: rows).bytes
  }
  let intermediate = horizontalPass(source, horizontal, rows: vertical.inputSpan)
  return verticalPass(intermediate, vertical).bytes
}

/// A block of 8-bit RGB rows: `bytes` holds image rows `firstRow...`, `rowStride` bytes apart; the pixels of
/// interest start `byteOffset` bytes into each row, at image column `firstColumn`, and span `rowBytes` bytes.
struct RowSource {
  var bytes: [UInt8]
  var firstRow: Int
  var rowStride: Int
  var byteOffset = 0
  var firstColumn: Int
  var rowBytes: Int

  /// All of `image`.
  init(_ image: RGBImage) {
    self.init(bytes: image.pixels, firstRow: 0, firstColumn: 0, rowBytes: image.width * 3)
  }

  /// Packed rows (`rowStride == rowBytes`).
  init(bytes: [UInt8], firstRow: Int, firstColumn: Int, rowBytes: Int) {
    self.bytes = bytes
    self.firstRow = firstRow
    self.rowStride = rowBytes
    self.firstColumn = firstColumn
    self.rowBytes = rowBytes
  }

  /// The same rows narrowed to the image columns `range`, which must lie within the current ones.
  func columns(_ range: Range<Int>) -> RowSource {
    assert(range.lowerBound >= firstColumn && (range.upperBound - firstColumn) * 3 <= rowBytes)
    var narrowed = self
    narrowed.byteOffset += (range.lowerBound - firstColumn) * 3
    narrowed.firstColumn = range.lowerBound
    narrowed.rowBytes = range.count * 3
    return narrowed
  }

  /// Index in `bytes` of the pixel at image column `firstColumn` of image row `row`.
  @inline(__always)
  func start(ofRow row: Int) -> Int { (row - firstRow) * rowStride + byteOffset }

  /// The pixels of interest of `rows`, packed.
  func copy(rows: Range<Int>) -> [UInt8] {
    var packed = [UInt8]()
    packed.reserveCapacity(rows.count * rowBytes)
    for row in rows {
      let start = start(ofRow: row)
      packed.append(contentsOf: bytes[start..<start + rowBytes])
    }
    return packed
  }
}

/// Pillow's `ImagingResampleHorizontal_8bpc` for the output columns of `coefficients` and the image `rows`,
/// which `source` must hold together with the input columns the coefficients read.
private func horizontalPass(_ source: RowSource, _ coefficients: AxisCoefficients, rows: Range<Int>) -> RowSource {
  let bytes = convolveHorizontalRGB8(
    source.bytes, rowStart: source.start(ofRow: rows.lowerBound), rowStride: source.rowStride, rows: rows.count,
    taps: coefficients.taps.shifted(by: -source.firstColumn))
  return RowSource(bytes: bytes, firstRow: rows.lowerBound, firstColumn: coefficients.outputs.lowerBound,
                   rowBytes: coefficients.outputs.count * 3)
}

/// Pillow's `ImagingResampleVertical_8bpc` for the output rows of `coefficients`, over the columns of `source`.
private func verticalPass(_ source: RowSource, _ coefficients: AxisCoefficients) -> RowSource {
  let bytes = convolveVertical8(
    source.bytes, rowStart: source.byteOffset, rowStride: source.rowStride, rowBytes: source.rowBytes,
    taps: coefficients.taps.shifted(by: -source.firstRow))
  return RowSource(bytes: bytes, firstRow: coefficients.outputs.lowerBound, firstColumn: source.firstColumn,
                   rowBytes: source.rowBytes)
}
