/// BMP's run-length encodings (RLE8, RLE4), decoded to one palette index per pixel exactly as Pillow's
/// `BmpRleDecoder` does, including its handling of rows that overflow and of deltas.
enum BMPRLE {
  /// Indices in file row order (`width * height` of them). Throws `rleDataShort` if the data ends, or an
  /// end-of-bitmap comes, before every pixel is set (Pillow raises "not enough image data" there too).
  static func decode(_ bytes: [UInt8], from start: Int, width: Int, height: Int, fourBit: Bool) throws -> [UInt8] {
    let total = width * height
    var data = [UInt8](repeating: 0, count: total)
    var n = 0, x = 0, p = start
    decoding: while n < total {
      guard p + 2 <= bytes.count else { break }
      let count = Int(bytes[p]), value = bytes[p + 1]
      p += 2
      if count > 0 {
        // Encoded run, clipped at the row's end.
        let run = min(count, max(0, width - x), total - n)
        for i in 0..<run { data[n + i] = fourBit ? (i % 2 == 0 ? value >> 4 : value & 0x0f) : value }
        n += run
        x += min(count, max(0, width - x))
        continue
      }
      switch value {
      case 0:  // end of line: zeros up to the next multiple of the width
        n = min(total, (n + width - 1) / width * width)
        x = 0
      case 1:  // end of bitmap
        break decoding
      case 2:  // delta: skip right + up·width pixels
        guard p + 2 <= bytes.count else { break decoding }
        n += min(total - n, Int(bytes[p]) + Int(bytes[p + 1]) * width)
        p += 2
        x = n % width
      default:  // absolute run of `value` literal pixels, padded to an even file position
        let literal = min(total - n, Int(value))
        let byteCount = fourBit ? (literal + 1) / 2 : literal
        let available = min(byteCount, max(0, bytes.count - p))
        if fourBit {
          for i in 0..<available {
            data[n] = bytes[p + i] >> 4
            n += 1
            if i * 2 + 1 < literal {
              data[n] = bytes[p + i] & 0x0f
              n += 1
            }
          }
        } else {
          for i in 0..<available { data[n + i] = bytes[p + i] }
          n += available
        }
        p += available
        if available < byteCount || n == total { break decoding }
        x += Int(value)
        if p % 2 != 0 { p += 1 }
      }
    }
    guard n >= total else { throw BMPError.rleDataShort(decoded: n, expected: total) }
    return data
  }
}
