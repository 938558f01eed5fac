/// BMP / DIB decoding of the variants Pillow reads: OS/2 core and Windows info headers (V1–V5), 1/4/8-bit
/// palettes, 16-bit 555 and 565, 24-bit, 32-bit (BI_RGB and byte-aligned bitfields), RLE8 and RLE4, bottom-up
/// and top-down rows. Pixels come out as Pillow's `convert("RGB")` gives them: 5- and 6-bit channels scaled by
/// `v * 255 / 31` (or 63), alpha dropped, palette indices past the palette black.
///
/// Not matched: Pillow reads a 4-bit file whose palette is exactly the grey ramp 0...15 as 8-bit data (a Pillow
/// quirk); this decoder looks such indices up in the palette like any other.
public enum BMP {
  /// Whether `bytes` start with `BM` (for choosing a decoder; `decode` checks it again).
  public static func hasSignature(_ bytes: [UInt8]) -> Bool { bytes.starts(with: [0x42, 0x4d]) }

  /// Decodes a BMP file to RGB. BMP carries no EXIF, so `exif` is nil.
  ///
  /// The header's size is checked against `limits` before any pixel buffer is allocated.
  /// - Throws: `BMPError`, or `ImageLimitError` for an image outside `limits`.
  public static func decode(_ bytes: [UInt8], limits: ImageLimits = .init()) throws -> DecodedImage {
    guard hasSignature(bytes) else { throw BMPError.notBMP }
    try need(18, bytes)
    var offset = Int(le32(bytes, 10))
    let headerSize = Int(le32(bytes, 14))
    guard [12, 40, 52, 56, 64, 108, 124].contains(headerSize) else {
      throw BMPError.unsupportedHeader(size: headerSize)
    }
    try need(14 + headerSize, bytes)
    let h = 18  // start of the header fields after the size
    var position = 14 + headerSize
    let width: Int, height: Int, bits: Int, compression: Int, paletteEntrySize: Int
    var topDown = false, colors = 0
    var masks: (r: UInt32, g: UInt32, b: UInt32, a: UInt32) = (0, 0, 0, 0)
    if headerSize == 12 {
      width = le16(bytes, h)
      height = le16(bytes, h + 2)
      bits = le16(bytes, h + 6)
      compression = 0
      paletteEntrySize = 3
    } else {
      // A negative height (top byte 0xFF, as Pillow tests it) means rows are stored top to bottom.
      topDown = bytes[h + 7] == 0xff
      width = Int(le32(bytes, h))
      height = topDown ? Int((1 << 32) - UInt64(le32(bytes, h + 4))) : Int(le32(bytes, h + 4))
      bits = le16(bytes, h + 10)
      compression = Int(le32(bytes, h + 12))
      colors = Int(le32(bytes, h + 28))
      paletteEntrySize = 4
      if compression == 3 {
        if headerSize >= 52 {
          masks = (le32(bytes, h + 36), le32(bytes, h + 40), le32(bytes, h + 44),
                   headerSize >= 56 ? le32(bytes, h + 48) : 0)
        } else {
          try need(position + 12, bytes)
          masks = (le32(bytes, position), le32(bytes, position + 4), le32(bytes, position + 8), 0)
          position += 12
        }
      }
    }
    try limits.check(width: width, height: height)
    if colors == 0 { colors = 1 << min(bits, 24) }
    if offset == 14 + headerSize && bits <= 8 { offset += paletteEntrySize * colors }
    guard [1, 4, 8, 16, 24, 32].contains(bits) else { throw BMPError.unsupportedBitDepth(bits) }

    let layout: BMPPixelLayout
    switch compression {
    case 0:
      layout = bits <= 8 ? .indexed : (bits == 16 ? .rgb555 : .bytes(r: 2, g: 1, b: 0))
    case 3:
      layout = try BMPPixelLayout(bits: bits, masks: masks)
    case 1, 2:
      layout = .indexed
    default:
      throw BMPError.unsupportedCompression(compression)
    }

    var palette = [UInt8](repeating: 0, count: 768)
    if bits <= 8 || compression == 1 || compression == 2 {
      guard colors > 0 && colors <= 65536 else { throw BMPError.invalidPaletteSize(colors) }
      try need(position + paletteEntrySize * colors, bytes)
      for i in 0..<min(colors, 256) {
        let p = position + paletteEntrySize * i
        palette[3 * i] = bytes[p + 2]
        palette[3 * i + 1] = bytes[p + 1]
        palette[3 * i + 2] = bytes[p]
      }
    }

    let stride = ((width * bits + 31) >> 3) & ~3
    if compression == 0 || compression == 3 {
      // Checked before the output is allocated, so a short file cannot claim a large image.
      try need(offset + stride * (height - 1) + (width * bits + 7) / 8, bytes)
    }
    var out = [UInt8](repeating: 0, count: width * height * 3)
    if compression == 1 || compression == 2 {
      let indices = try BMPRLE.decode(bytes, from: offset, width: width, height: height, fourBit: compression == 2)
      for row in 0..<height {
        let y = topDown ? row : height - 1 - row
        for x in 0..<width {
          let index = Int(indices[row * width + x]), d = (y * width + x) * 3
          out[d] = palette[3 * index]
          out[d + 1] = palette[3 * index + 1]
          out[d + 2] = palette[3 * index + 2]
        }
      }
    } else {
      for row in 0..<height {
        let y = topDown ? row : height - 1 - row
        layout.expandRow(bytes, at: offset + row * stride, bits: bits, count: width, palette: palette, into: &out,
                         at: y * width * 3)
      }
    }
    return DecodedImage(image: RGBImage(width: width, height: height, pixels: out))
  }

  static func need(_ count: Int, _ bytes: [UInt8]) throws {
    guard count <= bytes.count else { throw BMPError.truncated(needed: count, available: bytes.count) }
  }
}

/// The little-endian 32-bit integer at `bytes[i]`.
@inline(__always)
func le32(_ bytes: [UInt8], _ i: Int) -> UInt32 {
  UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
}
