import Kernels

/// Undoes PNG's per-scanline filters (None, Sub, Up, Average, Paeth), in place.
enum PNGFilter {
  /// Unfilters `rows` scanlines of `rowBytes` bytes, each preceded by its filter-type byte, starting at
  /// `data[start]`. The first row of a pass is filtered against an all-zero row above. `firstRow` numbers the
  /// rows for error messages. The byte loops are the Kernels module's `unfilterScanline`.
  ///
  /// - Throws: `PNGError.invalidFilter` for a filter-type byte above 4.
  /// - Complexity: O(rows × rowBytes).
  static func unfilter(_ data: inout [UInt8], at start: Int, rows: Int, rowBytes: Int, distance bpp: Int,
                       firstRow: Int) throws {
    let stride = rowBytes + 1
    precondition(start >= 0 && start + rows * stride <= data.count && bpp >= 1, "PNGFilter: rows out of bounds")
    for r in 0..<rows {
      let rowStart = start + r * stride
      guard let filter = ScanlineFilter(rawValue: data[rowStart]) else {
        throw PNGError.invalidFilter(data[rowStart], row: firstRow + r)
      }
      unfilterScanline(&data, at: rowStart + 1, count: rowBytes, previous: r > 0 ? rowStart + 1 - stride : nil,
                       filter: filter, bytesPerPixel: bpp)
    }
  }
}
