/// How a row of decoded JPEG components becomes RGB: libjpeg-turbo's fixed-point YCbCr→RGB (`jdcolor.c`) and
/// Pillow's CMYK→RGB (`Convert.c`).
public enum RowColorConversion: Sendable, CaseIterable {
  /// One component, replicated.
  case gray
  /// Three components copied.
  case rgb
  /// Y, Cb, Cr with libjpeg-turbo's fixed-point transform.
  case yCbCr
  /// Four Adobe-inverted CMYK components (Pillow's "CMYK;I") with Pillow's CMYK formula.
  case invertedCMYK
  /// Y, Cb, Cr, K (Adobe transform 2) as libjpeg converts it to CMYK, then as `invertedCMYK`.
  case yccK

  /// The number of component rows a conversion reads.
  public var components: Int {
    switch self {
    case .gray: return 1
    case .rgb, .yCbCr: return 3
    case .invertedCMYK, .yccK: return 4
    }
  }
}

/// Converts one row of `width` pixels: component `i`'s samples are `rows[i * rowStride ..< i * rowStride + width]`;
/// the RGB pixels go to `output[offset ..< offset + 3 * width]`.
///
/// - Precondition: `rows` holds `conversion.components` rows of `rowStride >= width` samples and the pixels fit
///   in `output`.
/// - Complexity: O(width).
public func convertRowToRGB(_ conversion: RowColorConversion, rows: [UInt8], rowStride: Int, width: Int,
                            into output: inout [UInt8], at offset: Int) {
  precondition(width >= 0 && rowStride >= width && rows.count >= rowStride * conversion.components,
               "convertRowToRGB: \(rows.count) samples for \(conversion.components) rows of \(rowStride)")
  precondition(offset >= 0 && offset + 3 * width <= output.count, "convertRowToRGB: \(width) pixels at \(offset)")
  rows.withUnsafeBufferPointer { rows in
    output.withUnsafeMutableBufferPointer { out in
      ColorConverter.convert(conversion, rows: rows, rowStride: rowStride, width: width, into: out, offset: offset)
    }
  }
}

/// The conversion loops, over buffers the entry point has checked.
///
/// libjpeg reads its products from tables built as `(FIX(c) * (x - 128) + ONE_HALF) >> 16` (rounded for
/// R and B, summed before rounding for G); computing the same expressions inline gives the same values
/// without the lookups.
enum ColorConverter {
  // Int32 with wrapping operators: every intermediate stays below 2^24 in magnitude, so nothing can
  // overflow, and without overflow checks the loops vectorize.
  /// FIX(x) = x * 2^16 rounded: FIX(1.40200), FIX(1.77200), FIX(0.71414), FIX(0.34414).
  private static let crToR: Int32 = 91881, cbToB: Int32 = 116130, crToG: Int32 = 46802, cbToG: Int32 = 22554
  private static let oneHalf: Int32 = 1 << 15

  @inline(__always)
  private static func clamp(_ value: Int32) -> UInt8 { UInt8(truncatingIfNeeded: min(max(value, 0), 255)) }

  @inline(__always)
  private static func red(_ y: Int32, _ cr: Int32) -> Int32 { y &+ ((crToR &* (cr &- 128) &+ oneHalf) &>> 16) }
  @inline(__always)
  private static func green(_ y: Int32, _ cb: Int32, _ cr: Int32) -> Int32 {
    y &+ ((oneHalf &- cbToG &* (cb &- 128) &- crToG &* (cr &- 128)) &>> 16)
  }
  @inline(__always)
  private static func blue(_ y: Int32, _ cb: Int32) -> Int32 { y &+ ((cbToB &* (cb &- 128) &+ oneHalf) &>> 16) }

  /// Pillow's `cmyk2rgb`: `255 - k - c * (255 - k) / 255` with its rounding; `nk` is `255 - k`.
  @inline(__always)
  private static func cmykChannel(_ c: Int32, _ nk: Int32) -> UInt8 {
    let t = c &* nk &+ 128
    return clamp(nk &- (((t &>> 8) &+ t) &>> 8))
  }

  /// Converts one row (see `convertRowToRGB`): component `i`'s samples are
  /// `rows[i * rowStride ..< i * rowStride + width]`; the RGB
  /// pixels go to `out[offset ..< offset + 3 * width]`.
  static func convert(
    _ space: RowColorConversion, rows: UnsafeBufferPointer<UInt8>, rowStride: Int, width: Int,
    into out: UnsafeMutableBufferPointer<UInt8>, offset: Int
  ) {
    let (c0, c1, c2, c3) = (0, rowStride, 2 * rowStride, 3 * rowStride)
    // Index arithmetic wraps: every index is inside the buffers checked by the preconditions above.
    var o = offset
    switch space {
    case .gray:
      for x in 0..<width {
        let g = rows[x]
        out[o] = g; out[o &+ 1] = g; out[o &+ 2] = g
        o &+= 3
      }
    case .rgb:
      for x in 0..<width {
        out[o] = rows[c0 &+ x]; out[o &+ 1] = rows[c1 &+ x]; out[o &+ 2] = rows[c2 &+ x]
        o &+= 3
      }
    case .yCbCr:
      for x in 0..<width {
        let y = Int32(rows[c0 &+ x]), cb = Int32(rows[c1 &+ x]), cr = Int32(rows[c2 &+ x])
        out[o] = clamp(red(y, cr))
        out[o &+ 1] = clamp(green(y, cb, cr))
        out[o &+ 2] = clamp(blue(y, cb))
        o &+= 3
      }
    case .invertedCMYK:
      // libjpeg hands the samples over unchanged; Pillow's "CMYK;I" unpacker inverts all four, so its
      // 255 - K is the stored K.
      for x in 0..<width {
        let nk = Int32(rows[c3 &+ x])
        out[o] = cmykChannel(255 &- Int32(rows[c0 &+ x]), nk)
        out[o &+ 1] = cmykChannel(255 &- Int32(rows[c1 &+ x]), nk)
        out[o &+ 2] = cmykChannel(255 &- Int32(rows[c2 &+ x]), nk)
        o &+= 3
      }
    case .yccK:
      // libjpeg's ycck_cmyk_convert gives C = 255 - clamp(R) and so on, K unchanged; Pillow's inversion
      // turns C back into clamp(R) and K into 255 - K before applying its CMYK formula.
      for x in 0..<width {
        let y = Int32(rows[c0 &+ x]), cb = Int32(rows[c1 &+ x]), cr = Int32(rows[c2 &+ x])
        let nk = Int32(rows[c3 &+ x])
        out[o] = cmykChannel(Int32(clamp(red(y, cr))), nk)
        out[o &+ 1] = cmykChannel(Int32(clamp(green(y, cb, cr))), nk)
        out[o &+ 2] = cmykChannel(Int32(clamp(blue(y, cb))), nk)
        o &+= 3
      }
    }
  }
}
