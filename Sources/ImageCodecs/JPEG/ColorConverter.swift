/// The colour transform of a frame's components, decided as libjpeg-turbo's `default_decompress_parms`
/// decides it, and the conversion to RGB as Pillow then does it.
enum JPEGColorSpace: Equatable {
  case gray, yCbCr, rgb
  /// Four components stored as they are. Pillow reads every 4-component JPEG as Adobe-inverted CMYK
  /// ("CMYK;I"), whatever the markers say.
  case cmyk
  /// YCbCr plus K (Adobe transform 2), converted to CMYK by libjpeg, then inverted by Pillow.
  case ycck

  init(componentIDs ids: [Int], sawJFIF: Bool, adobeTransform: Int?) {
    switch ids.count {
    case 1:
      self = .gray
    case 3:
      if sawJFIF {
        self = .yCbCr
      } else if let adobeTransform {
        self = adobeTransform == 0 ? .rgb : .yCbCr
      } else if ids == [82, 71, 66] {  // 'R', 'G', 'B'
        self = .rgb
      } else {
        self = .yCbCr
      }
    default:
      self = adobeTransform.map { $0 == 0 ? .cmyk : .ycck } ?? .cmyk
    }
  }
}

/// libjpeg-turbo's fixed-point YCbCr→RGB tables (`jdcolor.c`, 16 fractional bits) and Pillow's CMYK→RGB.
struct ColorConverter {
  private static let scaleBits = 16
  private static let oneHalf = 1 << 15
  private static func fix(_ x: Double) -> Int { Int(x * 65536 + 0.5) }

  /// Cr→R and Cb→B, rounded; Cr→G and Cb→G scaled by 2^16, Cb→G including the rounding half.
  static let crR: [Int] = (0..<256).map { (fix(1.40200) * ($0 - 128) + oneHalf) >> scaleBits }
  static let cbB: [Int] = (0..<256).map { (fix(1.77200) * ($0 - 128) + oneHalf) >> scaleBits }
  static let crG: [Int] = (0..<256).map { -fix(0.71414) * ($0 - 128) }
  static let cbG: [Int] = (0..<256).map { -fix(0.34414) * ($0 - 128) + oneHalf }

  @inline(__always)
  static func clamp(_ value: Int) -> UInt8 { UInt8(min(max(value, 0), 255)) }

  /// Pillow's `cmyk2rgb` (Convert.c): `255 - k - c * (255 - k) / 255` with its rounding, per channel.
  @inline(__always)
  static func cmykChannel(_ c: Int, _ nk: Int) -> UInt8 {
    let t = c * nk + 128
    return clamp(nk - (((t >> 8) + t) >> 8))
  }

  /// Converts one row of component samples (`rows[i][0..<width]`) to interleaved RGB at `out[offset...]`.
  static func convert(
    _ space: JPEGColorSpace, rows: [[UInt8]], width: Int, into out: inout [UInt8], offset: Int
  ) {
    var o = offset
    switch space {
    case .gray:
      let g = rows[0]
      for x in 0..<width {
        out[o] = g[x]; out[o + 1] = g[x]; out[o + 2] = g[x]
        o += 3
      }
    case .rgb:
      let (r, g, b) = (rows[0], rows[1], rows[2])
      for x in 0..<width {
        out[o] = r[x]; out[o + 1] = g[x]; out[o + 2] = b[x]
        o += 3
      }
    case .yCbCr:
      let (yRow, cbRow, crRow) = (rows[0], rows[1], rows[2])
      for x in 0..<width {
        let y = Int(yRow[x]), cb = Int(cbRow[x]), cr = Int(crRow[x])
        out[o] = clamp(y + crR[cr])
        out[o + 1] = clamp(y + ((cbG[cb] + crG[cr]) >> scaleBits))
        out[o + 2] = clamp(y + cbB[cb])
        o += 3
      }
    case .cmyk:
      // libjpeg hands the samples over unchanged; Pillow's "CMYK;I" unpacker inverts them.
      let (c, m, ye, k) = (rows[0], rows[1], rows[2], rows[3])
      for x in 0..<width {
        let nk = Int(k[x])  // 255 - (255 - k)
        out[o] = cmykChannel(255 - Int(c[x]), nk)
        out[o + 1] = cmykChannel(255 - Int(m[x]), nk)
        out[o + 2] = cmykChannel(255 - Int(ye[x]), nk)
        o += 3
      }
    case .ycck:
      // libjpeg's ycck_cmyk_convert gives C = 255 - clamp(R) and so on, K unchanged; Pillow's inversion
      // turns C back into clamp(R) and K into 255 - K before applying its CMYK formula.
      let (yRow, cbRow, crRow, k) = (rows[0], rows[1], rows[2], rows[3])
      for x in 0..<width {
        let y = Int(yRow[x]), cb = Int(cbRow[x]), cr = Int(crRow[x])
        let nk = Int(k[x])
        out[o] = cmykChannel(Int(clamp(y + crR[cr])), nk)
        out[o + 1] = cmykChannel(Int(clamp(y + ((cbG[cb] + crG[cr]) >> scaleBits))), nk)
        out[o + 2] = cmykChannel(Int(clamp(y + cbB[cb])), nk)
        o += 3
      }
    }
  }
}
