/// Undoes PNG's per-scanline filters (None, Sub, Up, Average, Paeth), in place.
enum PNGFilter {
  /// Unfilters `rows` scanlines of `rowBytes` bytes, each preceded by its filter-type byte, starting at
  /// `data[start]`. The first row of a pass is filtered against an all-zero row above. `firstRow` numbers the
  /// rows for error messages.
  ///
  /// Works on a buffer pointer (with array indexing this loop took 40% of a photo's decode time) and walks each
  /// byte lane of a pixel separately so that the left neighbour stays in a register instead of making every
  /// byte wait for the store of the one before it. Every index stays within the rows the precondition checks.
  /// - Complexity: O(rows × rowBytes).
  static func unfilter(_ data: inout [UInt8], at start: Int, rows: Int, rowBytes: Int, distance bpp: Int,
                       firstRow: Int) throws {
    let stride = rowBytes + 1
    precondition(start >= 0 && start + rows * stride <= data.count && bpp >= 1, "PNGFilter: rows out of bounds")
    try data.withUnsafeMutableBufferPointer { buffer in
      let base = buffer.baseAddress!
      for r in 0..<rows {
        let filter = base[start + r * stride]
        let cur = base + start + r * stride + 1
        // The row above, or nil for a pass's first row (an all-zero row).
        let prev: UnsafeMutablePointer<UInt8>? = r > 0 ? cur - stride : nil
        let lead = min(bpp, rowBytes)
        switch (filter, prev) {
        case (0, _), (2, nil):
          continue
        case (1, _), (4, nil):
          // With a zero row above, the Paeth predictor is always the left neighbour: Sub.
          for k in 0..<lead {
            var a = cur[k]
            for i in Swift.stride(from: k + bpp, to: rowBytes, by: bpp) {
              a &+= cur[i]
              cur[i] = a
            }
          }
        case let (2, up?):
          for i in 0..<rowBytes { cur[i] &+= up[i] }
        case (3, nil):
          for k in 0..<lead {
            var a = cur[k]
            for i in Swift.stride(from: k + bpp, to: rowBytes, by: bpp) {
              a = cur[i] &+ a >> 1
              cur[i] = a
            }
          }
        case let (3, up?):
          for k in 0..<lead {
            var a = cur[k] &+ up[k] >> 1
            cur[k] = a
            for i in Swift.stride(from: k + bpp, to: rowBytes, by: bpp) {
              a = cur[i] &+ UInt8((UInt16(a) &+ UInt16(up[i])) >> 1)
              cur[i] = a
            }
          }
        case let (4, up?):
          for i in 0..<lead { cur[i] &+= up[i] }
          switch bpp {
          case 3: paeth3(cur, up, rowBytes)
          case 4: paeth4(cur, up, rowBytes)
          default: paethLanes(cur, up, rowBytes, bpp)
          }
        default:
          throw PNGError.invalidFilter(filter, row: firstRow + r)
        }
      }
    }
  }

  /// The Paeth predictor of RFC 2083 §6.6 for left `a`, up `b`, up-left `c`.
  @inline(__always)
  static func predict(_ a: Int, _ b: Int, _ c: Int) -> Int {
    let pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c)
    // Written as two selects (not `pa <= pb && pa <= pc`) so it compiles to conditional moves: on photo data the
    // choice is unpredictable and branches mispredict.
    let upOrCorner = pb <= pc ? b : c
    return pa <= min(pb, pc) ? a : upOrCorner
  }

  /// Paeth for any pixel size: one byte lane at a time, the left and up-left bytes carried in registers.
  static func paethLanes(_ cur: UnsafeMutablePointer<UInt8>, _ up: UnsafeMutablePointer<UInt8>, _ n: Int,
                         _ bpp: Int) {
    for k in 0..<min(bpp, n) {
      var a = Int(cur[k]), c = Int(up[k])
      for i in Swift.stride(from: k + bpp, to: n, by: bpp) {
        let b = Int(up[i])
        a = Int(cur[i] &+ UInt8(truncatingIfNeeded: predict(a, b, c)))
        cur[i] = UInt8(truncatingIfNeeded: a)
        c = b
      }
    }
  }

  /// Paeth for 3-byte pixels (RGB8): the three lanes advance together so their dependency chains overlap.
  static func paeth3(_ cur: UnsafeMutablePointer<UInt8>, _ up: UnsafeMutablePointer<UInt8>, _ n: Int) {
    guard n >= 3 else { return }
    var (a0, a1, a2) = (Int(cur[0]), Int(cur[1]), Int(cur[2]))
    var (c0, c1, c2) = (Int(up[0]), Int(up[1]), Int(up[2]))
    var i = 3
    while i + 3 <= n {
      let (b0, b1, b2) = (Int(up[i]), Int(up[i + 1]), Int(up[i + 2]))
      a0 = Int(cur[i] &+ UInt8(truncatingIfNeeded: predict(a0, b0, c0)))
      a1 = Int(cur[i + 1] &+ UInt8(truncatingIfNeeded: predict(a1, b1, c1)))
      a2 = Int(cur[i + 2] &+ UInt8(truncatingIfNeeded: predict(a2, b2, c2)))
      cur[i] = UInt8(truncatingIfNeeded: a0)
      cur[i + 1] = UInt8(truncatingIfNeeded: a1)
      cur[i + 2] = UInt8(truncatingIfNeeded: a2)
      (c0, c1, c2) = (b0, b1, b2)
      i += 3
    }
  }

  /// Paeth for 4-byte pixels (RGBA8, grey+alpha 16), four lanes together.
  static func paeth4(_ cur: UnsafeMutablePointer<UInt8>, _ up: UnsafeMutablePointer<UInt8>, _ n: Int) {
    guard n >= 4 else { return }
    var (a0, a1, a2, a3) = (Int(cur[0]), Int(cur[1]), Int(cur[2]), Int(cur[3]))
    var (c0, c1, c2, c3) = (Int(up[0]), Int(up[1]), Int(up[2]), Int(up[3]))
    var i = 4
    while i + 4 <= n {
      let (b0, b1, b2, b3) = (Int(up[i]), Int(up[i + 1]), Int(up[i + 2]), Int(up[i + 3]))
      a0 = Int(cur[i] &+ UInt8(truncatingIfNeeded: predict(a0, b0, c0)))
      a1 = Int(cur[i + 1] &+ UInt8(truncatingIfNeeded: predict(a1, b1, c1)))
      a2 = Int(cur[i + 2] &+ UInt8(truncatingIfNeeded: predict(a2, b2, c2)))
      a3 = Int(cur[i + 3] &+ UInt8(truncatingIfNeeded: predict(a3, b3, c3)))
      cur[i] = UInt8(truncatingIfNeeded: a0)
      cur[i + 1] = UInt8(truncatingIfNeeded: a1)
      cur[i + 2] = UInt8(truncatingIfNeeded: a2)
      cur[i + 3] = UInt8(truncatingIfNeeded: a3)
      (c0, c1, c2, c3) = (b0, b1, b2, b3)
      i += 4
    }
  }
}
