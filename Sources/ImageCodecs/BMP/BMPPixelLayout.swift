/// How one row of uncompressed BMP pixels maps to RGB.
enum BMPPixelLayout: Equatable {
  /// 1, 4 or 8-bit palette indices, most significant bits first.
  case indexed
  /// 16-bit little-endian, 5 bits per channel (R in bits 10–14).
  case rgb555
  /// 16-bit little-endian, 5-6-5 (R in bits 11–15).
  case rgb565
  /// 24 or 32-bit pixels whose channels are whole bytes at these offsets within the pixel.
  case bytes(r: Int, g: Int, b: Int)

  /// The layout for BI_BITFIELDS masks, accepting the layouts Pillow reads.
  init(bits: Int, masks: (r: UInt32, g: UInt32, b: UInt32, a: UInt32)) throws {
    func byteOffset(_ mask: UInt32) -> Int? { [0xff, 0xff00, 0xff_0000, 0xff00_0000].firstIndex(of: mask) }
    switch (bits, masks.r, masks.g, masks.b) {
    case (16, 0xf800, 0x7e0, 0x1f): self = .rgb565
    case (16, 0x7c00, 0x3e0, 0x1f): self = .rgb555
    case (24, 0xff_0000, 0xff00, 0xff): self = .bytes(r: 2, g: 1, b: 0)
    case (32, 0, 0, 0) where masks.a == 0: self = .bytes(r: 2, g: 1, b: 0)
    case let (32, r, g, b):
      let all = [r, g, b, masks.a]
      let pillowLayouts: [[UInt32]] = [
        [0xff_0000, 0xff00, 0xff, 0], [0xff00_0000, 0xff_0000, 0xff00, 0], [0xff00_0000, 0xff00, 0xff, 0],
        [0xff00_0000, 0xff_0000, 0xff00, 0xff], [0xff, 0xff00, 0xff_0000, 0xff00_0000],
        [0xff_0000, 0xff00, 0xff, 0xff00_0000], [0xff00_0000, 0xff00, 0xff, 0xff_0000],
      ]
      guard pillowLayouts.contains(all), let ro = byteOffset(r), let go = byteOffset(g), let bo = byteOffset(b) else {
        throw BMPError.unsupportedBitfields(bits: bits, red: r, green: g, blue: b, alpha: masks.a)
      }
      self = .bytes(r: ro, g: go, b: bo)
    default:
      throw BMPError.unsupportedBitfields(bits: bits, red: masks.r, green: masks.g, blue: masks.b, alpha: masks.a)
    }
  }

  /// Writes `count` pixels of the row at `bytes[src]` as RGB to `out[dst...]`.
  func expandRow(_ bytes: [UInt8], at src: Int, bits: Int, count: Int, palette: [UInt8], into out: inout [UInt8],
                 at dst: Int) {
    switch self {
    case .indexed:
      let mask = 1 << bits - 1
      for x in 0..<count {
        let bit = x * bits
        let index = Int(bytes[src + bit >> 3]) >> (8 - bits - bit & 7) & mask
        out[dst + 3 * x] = palette[3 * index]
        out[dst + 3 * x + 1] = palette[3 * index + 1]
        out[dst + 3 * x + 2] = palette[3 * index + 2]
      }
    case .rgb555, .rgb565:
      let wideGreen = self == .rgb565
      for x in 0..<count {
        let v = Int(bytes[src + 2 * x]) | Int(bytes[src + 2 * x + 1]) << 8
        let r = wideGreen ? v >> 11 & 31 : v >> 10 & 31, g = wideGreen ? v >> 5 & 63 : v >> 5 & 31, b = v & 31
        out[dst + 3 * x] = UInt8(r * 255 / 31)
        out[dst + 3 * x + 1] = UInt8(wideGreen ? g * 255 / 63 : g * 255 / 31)
        out[dst + 3 * x + 2] = UInt8(b * 255 / 31)
      }
    case let .bytes(r, g, b):
      let size = bits / 8
      for x in 0..<count {
        let s = src + size * x
        out[dst + 3 * x] = bytes[s + r]
        out[dst + 3 * x + 1] = bytes[s + g]
        out[dst + 3 * x + 2] = bytes[s + b]
      }
    }
  }
}
