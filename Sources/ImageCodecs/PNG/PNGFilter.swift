/// Undoes PNG's per-scanline filters (None, Sub, Up, Average, Paeth), in place.
enum PNGFilter {
  /// Unfilters `rows` scanlines of `rowBytes` bytes, each preceded by its filter-type byte, starting at
  /// `data[start]`. The first row of a pass is filtered against an all-zero row above. `firstRow` numbers the
  /// rows for error messages.
  /// - Complexity: O(rows × rowBytes).
  static func unfilter(_ data: inout [UInt8], at start: Int, rows: Int, rowBytes: Int, distance bpp: Int,
                       firstRow: Int) throws {
    let stride = rowBytes + 1
    for r in 0..<rows {
      let filter = data[start + r * stride]
      let cur = start + r * stride + 1, prev = cur - stride
      let hasPrevious = r > 0
      switch filter {
      case 0:
        continue
      case 1:
        sub(&data, cur, bpp, rowBytes)
      case 2:
        if hasPrevious { for i in 0..<rowBytes { data[cur + i] &+= data[prev + i] } }
      case 3:
        if hasPrevious {
          for i in 0..<min(bpp, rowBytes) { data[cur + i] &+= data[prev + i] >> 1 }
          for i in min(bpp, rowBytes)..<rowBytes {
            data[cur + i] &+= UInt8((UInt16(data[cur + i - bpp]) + UInt16(data[prev + i])) >> 1)
          }
        } else {
          for i in min(bpp, rowBytes)..<rowBytes { data[cur + i] &+= data[cur + i - bpp] >> 1 }
        }
      case 4:
        if hasPrevious {
          paeth(&data, cur, prev, bpp, rowBytes)
        } else {
          // With a zero row above, the Paeth predictor is always the left neighbour.
          sub(&data, cur, bpp, rowBytes)
        }
      default:
        throw PNGError.invalidFilter(filter, row: firstRow + r)
      }
    }
  }

  @inline(__always)
  static func sub(_ data: inout [UInt8], _ cur: Int, _ bpp: Int, _ rowBytes: Int) {
    for i in min(bpp, rowBytes)..<rowBytes { data[cur + i] &+= data[cur + i - bpp] }
  }

  @inline(__always)
  static func paeth(_ data: inout [UInt8], _ cur: Int, _ prev: Int, _ bpp: Int, _ rowBytes: Int) {
    for i in 0..<min(bpp, rowBytes) { data[cur + i] &+= data[prev + i] }
    for i in min(bpp, rowBytes)..<rowBytes {
      let a = Int(data[cur + i - bpp]), b = Int(data[prev + i]), c = Int(data[prev + i - bpp])
      let pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c)
      let predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
      data[cur + i] &+= UInt8(truncatingIfNeeded: predictor)
    }
  }
}
