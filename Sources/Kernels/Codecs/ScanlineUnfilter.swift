/// The five scanline filters of PNG (RFC 2083 §6), by their filter-type byte.
public enum ScanlineFilter: UInt8, Sendable, CaseIterable {
  case none = 0, sub, up, average, paeth
}

/// Undoes `filter` on the scanline `data[start ..< start + count]` in place, given the already unfiltered row
/// above at `data[previous ..< previous + count]` (nil for the first row of an image or pass: an all-zero row)
/// and the filter distance `bytesPerPixel` (the bytes of one pixel, at least 1).
///
/// Works on a buffer pointer (with array indexing this loop took 40% of a photo's decode time) and walks each byte
/// lane of a pixel separately so that the left neighbour stays in a register instead of making every byte wait
/// for the store of the one before it.
///
/// - Precondition: both rows lie in `data`, the row above ends at or before `start`, `bytesPerPixel` >= 1.
/// - Complexity: O(count).
public func unfilterScanline(_ data: inout [UInt8], at start: Int, count: Int, previous: Int?, filter: ScanlineFilter,
                             bytesPerPixel bpp: Int) {
  precondition(start >= 0 && count >= 0 && start + count <= data.count && bpp >= 1,
               "unfilterScanline: \(count) bytes at \(start) of \(data.count), distance \(bpp)")
  if let previous {
    precondition(previous >= 0 && previous + count <= start, "unfilterScanline: row above at \(previous)")
  }
  data.withUnsafeMutableBufferPointer { buffer in
    let cur = buffer.baseAddress! + start
    let up: UnsafeMutablePointer<UInt8>? = previous.map { buffer.baseAddress! + $0 }
    let lead = min(bpp, count)
    switch (filter, up) {
    case (.none, _), (.up, nil):
      return
    case (.sub, _), (.paeth, nil):
      // With a zero row above, the Paeth predictor is always the left neighbour: Sub.
      for k in 0..<lead {
        var a = cur[k]
        for i in Swift.stride(from: k + bpp, to: count, by: bpp) {
          a &+= cur[i]
          cur[i] = a
        }
      }
    case let (.up, up?):
      for i in 0..<count { cur[i] &+= up[i] }
    case (.average, nil):
      for k in 0..<lead {
        var a = cur[k]
        for i in Swift.stride(from: k + bpp, to: count, by: bpp) {
          a = cur[i] &+ a >> 1
          cur[i] = a
        }
      }
    case let (.average, up?):
      for k in 0..<lead {
        var a = cur[k] &+ up[k] >> 1
        cur[k] = a
        for i in Swift.stride(from: k + bpp, to: count, by: bpp) {
          a = cur[i] &+ UInt8((UInt16(a) &+ UInt16(up[i])) >> 1)
          cur[i] = a
        }
      }
    case let (.paeth, up?):
      for i in 0..<lead { cur[i] &+= up[i] }
      switch bpp {
      case 3: paeth3(cur, up, count)
      case 4: paeth4(cur, up, count)
      default: paethLanes(cur, up, count, bpp)
      }
    }
  }
}

/// The Paeth predictor of RFC 2083 §6.6 for left `a`, up `b`, up-left `c`.
@inline(__always)
private func predict(_ a: Int, _ b: Int, _ c: Int) -> Int {
  let pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c)
  // Written as two selects (not `pa <= pb && pa <= pc`) so it compiles to conditional moves: on photo data the
  // choice is unpredictable and branches mispredict.
  let upOrCorner = pb <= pc ? b : c
  return pa <= min(pb, pc) ? a : upOrCorner
}

/// Paeth for any pixel size: one byte lane at a time, the left and up-left bytes carried in registers.
private func paethLanes(_ cur: UnsafeMutablePointer<UInt8>, _ up: UnsafeMutablePointer<UInt8>, _ n: Int,
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
private func paeth3(_ cur: UnsafeMutablePointer<UInt8>, _ up: UnsafeMutablePointer<UInt8>, _ n: Int) {
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
  paethTail(cur, up, from: i, to: n, 3)
}

/// Paeth for 4-byte pixels (RGBA8, grey+alpha 16), four lanes together.
private func paeth4(_ cur: UnsafeMutablePointer<UInt8>, _ up: UnsafeMutablePointer<UInt8>, _ n: Int) {
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
  paethTail(cur, up, from: i, to: n, 4)
}

/// Paeth for the bytes `start..<n` of a row whose length is not a whole number of pixels (the grouped loops stop
/// at the last whole pixel), byte by byte from the already unfiltered bytes to the left.
private func paethTail(_ cur: UnsafeMutablePointer<UInt8>, _ up: UnsafeMutablePointer<UInt8>, from start: Int,
                       to n: Int, _ bpp: Int) {
  for i in start..<max(start, n) {
    cur[i] &+= UInt8(truncatingIfNeeded: predict(Int(cur[i - bpp]), Int(up[i]), Int(up[i - bpp])))
  }
}
