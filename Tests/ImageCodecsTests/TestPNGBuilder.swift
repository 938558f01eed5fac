@testable import ImageCodecs
import Inflate

/// Builds small PNG files byte by byte for the malformed-file tests. The image data is zlib-wrapped in stored
/// DEFLATE blocks, so any scanline bytes (including invalid filter types) can be written.
enum TestPNG {
  static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + data
    return be32(UInt32(data.count)) + body + be32(CRC32.checksum(body, 0..<body.count))
  }

  static func be32(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }

  static func header(width: Int, height: Int, depth: UInt8 = 8, colorType: UInt8 = 2, interlace: UInt8 = 0,
                     compression: UInt8 = 0) -> [UInt8] {
    chunk("IHDR", be32(UInt32(width)) + be32(UInt32(height)) + [depth, colorType, compression, 0, interlace])
  }

  /// A zlib stream holding `data` in stored blocks.
  static func zlibStored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]
    var i = 0
    repeat {
      let n = min(65_535, data.count - i)
      out.append(i + n == data.count ? 1 : 0)
      out += [UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8(~n >> 8 & 0xff)]
      out += data[i..<(i + n)]
      i += n
    } while i < data.count
    return out + be32(Adler32.checksum(data))
  }

  static let signature: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

  /// An RGB8 image of `width`×`height` whose scanlines are `rows` (filter byte + 3·width bytes each).
  static func rgb(width: Int, height: Int, rows: [UInt8], before: [UInt8] = [], after: [UInt8] = []) -> [UInt8] {
    signature + header(width: width, height: height) + before + chunk("IDAT", zlibStored(rows)) + after
      + chunk("IEND", [])
  }

  /// `height` unfiltered scanlines of a grey ramp.
  static func plainRows(width: Int, height: Int) -> [UInt8] {
    (0..<height).flatMap { y in [0] + (0..<(3 * width)).map { UInt8(truncatingIfNeeded: $0 + y) } }
  }
}
