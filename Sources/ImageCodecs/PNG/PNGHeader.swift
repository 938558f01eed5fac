/// The IHDR chunk: size, pixel format and interlacing.
struct PNGHeader: Equatable {
  enum ColorType: UInt8 {
    case grey = 0, rgb = 2, palette = 3, greyAlpha = 4, rgba = 6

    var channels: Int {
      switch self {
      case .grey, .palette: return 1
      case .greyAlpha: return 2
      case .rgb: return 3
      case .rgba: return 4
      }
    }

    var allowedDepths: [Int] {
      switch self {
      case .grey: return [1, 2, 4, 8, 16]
      case .palette: return [1, 2, 4, 8]
      case .rgb, .greyAlpha, .rgba: return [8, 16]
      }
    }
  }

  let width: Int
  let height: Int
  let bitDepth: Int
  let colorType: ColorType
  let interlaced: Bool

  /// Parses and validates IHDR's 13 bytes.
  init(_ bytes: [UInt8], _ data: Range<Int>) throws {
    guard data.count == 13 else { throw PNGError.invalidHeaderLength(data.count) }
    let i = data.lowerBound
    width = Int(readUInt32(bytes, i))
    height = Int(readUInt32(bytes, i + 4))
    let depth = bytes[i + 8], type = bytes[i + 9]
    guard let colorType = ColorType(rawValue: type) else { throw PNGError.invalidColorType(type) }
    guard colorType.allowedDepths.contains(Int(depth)) else { throw PNGError.invalidBitDepth(depth, colorType: type) }
    let (compression, filter, interlace) = (bytes[i + 10], bytes[i + 11], bytes[i + 12])
    guard compression == 0, filter == 0, interlace <= 1 else {
      throw PNGError.unsupportedMethod(compression: compression, filter: filter, interlace: interlace)
    }
    self.colorType = colorType
    bitDepth = Int(depth)
    interlaced = interlace == 1
  }

  var bitsPerPixel: Int { bitDepth * colorType.channels }

  /// Bytes in one scanline of `pixels` pixels, without its filter byte.
  func rowBytes(_ pixels: Int) -> Int { (pixels * bitsPerPixel + 7) / 8 }

  /// The distance, in bytes, between a byte and the one it is filtered against (at least 1).
  var filterDistance: Int { max(1, bitsPerPixel / 8) }
}
