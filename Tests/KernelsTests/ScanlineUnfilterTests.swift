import Testing
import Kernels

/// PNG scanline unfiltering against the byte-by-byte definition of RFC 2083 §6.
@Suite(.timeLimit(.minutes(5))) struct ScanlineUnfilterTests {
  /// The definition: each byte plus the predictor of its left, up and up-left neighbours (zero outside the image).
  static func reference(_ row: [UInt8], above: [UInt8]?, filter: ScanlineFilter, bpp: Int) -> [UInt8] {
    var out = row
    let up = above ?? [UInt8](repeating: 0, count: row.count)
    for i in row.indices {
      let a = i >= bpp ? Int(out[i - bpp]) : 0, b = Int(up[i]), c = i >= bpp ? Int(up[i - bpp]) : 0
      let predictor: Int
      switch filter {
      case .none: predictor = 0
      case .sub: predictor = a
      case .up: predictor = b
      case .average: predictor = (a + b) / 2
      case .paeth:
        let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
      }
      out[i] = UInt8((Int(row[i]) + predictor) & 0xff)
    }
    return out
  }

  @Test(arguments: ScanlineFilter.allCases)
  func matchesTheDefinition(filter: ScanlineFilter) {
    for bpp in [1, 2, 3, 4, 6, 8] {
      for count in [0, 1, bpp - 1, bpp, bpp + 1, 3 * bpp + 2, 61] where count >= 0 {
        let gap = 2
        var data = FixedPointConvolutionTests.bytes(2 * count + gap + 3, seed: UInt32(count * 16 + bpp))
        let above = Array(data[1..<1 + count]), row = Array(data[1 + count + gap..<1 + 2 * count + gap])
        var first = data
        unfilterScanline(&first, at: 1 + count + gap, count: count, previous: nil, filter: filter, bytesPerPixel: bpp)
        #expect(Array(first[1 + count + gap..<1 + 2 * count + gap])
                  == Self.reference(row, above: nil, filter: filter, bpp: bpp), "first row, \(bpp) bpp, \(count)")
        unfilterScanline(&data, at: 1 + count + gap, count: count, previous: 1, filter: filter, bytesPerPixel: bpp)
        #expect(Array(data[1 + count + gap..<1 + 2 * count + gap])
                  == Self.reference(row, above: above, filter: filter, bpp: bpp), "\(bpp) bpp, \(count) bytes")
        #expect(Array(data[1..<1 + count]) == above, "the row above is left alone")
      }
    }
  }
}
