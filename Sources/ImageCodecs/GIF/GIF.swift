/// GIF decoding (87a and 89a): the first frame, as Pillow's `Image.open(f).convert("RGB")` shows it.
///
/// Pillow's rules, followed here: the canvas is the logical screen, grown to hold the frame if the frame sticks
/// out; outside the frame it holds the transparent index if the frame has one, else index 0. Indices map through
/// the frame's local color table, else the global one; a table that is the identity grey ramp counts as none,
/// and with no table the index is the grey level. Indices past the table give black. The transparent index shows
/// its table color (alpha is dropped, not composited). Unknown bytes between blocks are skipped.
public enum GIF {
  /// Whether `bytes` start with `GIF87a` or `GIF89a` (for choosing a decoder; `decode` checks it again).
  public static func hasSignature(_ bytes: [UInt8]) -> Bool {
    bytes.starts(with: "GIF87a".utf8) || bytes.starts(with: "GIF89a".utf8)
  }

  /// Decodes the first frame of a GIF file to RGB. GIF carries no EXIF, so `exif` is nil.
  ///
  /// The canvas size is checked against `limits` before any pixel buffer is allocated.
  /// - Throws: `GIFError`, or `ImageLimitError` for an image outside `limits`.
  public static func decode(_ bytes: [UInt8], limits: ImageLimits = .init()) throws -> DecodedImage {
    guard hasSignature(bytes) else { throw GIFError.notGIF }
    guard bytes.count >= 13 else { throw GIFError.truncated(offset: 6) }
    var width = le16(bytes, 6), height = le16(bytes, 8)
    let flags = bytes[10]
    var position = 13
    let globalTable = try colorTable(bytes, flags: flags, at: &position, block: 13)

    var transparency: UInt8?
    while true {
      guard position < bytes.count else { throw GIFError.noImage }
      let blockStart = position
      switch bytes[position] {
      case 0x21:
        // Extension: label, then data sub-blocks. The graphic control extension (0xF9) carries transparency.
        guard position + 2 <= bytes.count else { throw GIFError.truncated(offset: blockStart) }
        let label = bytes[position + 1]
        position += 2
        var firstBlock = true
        while true {
          guard position < bytes.count else { throw GIFError.truncated(offset: blockStart) }
          let size = Int(bytes[position])
          guard position + 1 + size <= bytes.count else { throw GIFError.truncated(offset: blockStart) }
          // As in Pillow, a later control block without the transparency flag leaves an earlier index in force.
          if label == 0xf9 && firstBlock && size >= 4 && bytes[position + 1] & 1 != 0 {
            transparency = bytes[position + 4]
          }
          firstBlock = false
          position += 1 + size
          if size == 0 { break }
        }
      case 0x2c:
        guard position + 10 <= bytes.count else { throw GIFError.truncated(offset: blockStart) }
        let x0 = le16(bytes, position + 1), y0 = le16(bytes, position + 3)
        let frameWidth = le16(bytes, position + 5), frameHeight = le16(bytes, position + 7)
        let imageFlags = bytes[position + 9]
        position += 10
        let localTable = try colorTable(bytes, flags: imageFlags, at: &position, block: blockStart)
        try limits.check(width: width, height: height)
        width = max(width, x0 + frameWidth)
        height = max(height, y0 + frameHeight)
        try limits.check(width: width, height: height)

        guard position < bytes.count else { throw GIFError.truncated(offset: blockStart) }
        let codeSize = bytes[position]
        guard (1...11).contains(codeSize) else { throw GIFError.invalidCodeSize(codeSize, offset: position) }
        position += 1
        var data: [UInt8] = []
        while true {
          guard position < bytes.count else { throw GIFError.truncated(offset: blockStart) }
          let size = Int(bytes[position])
          guard position + 1 + size <= bytes.count else { throw GIFError.truncated(offset: blockStart) }
          data.append(contentsOf: bytes[(position + 1)..<(position + 1 + size)])
          position += 1 + size
          if size == 0 { break }
        }
        let fill = transparency ?? 0
        let frame = try GIFLZW.decode(data, minimumCodeSize: Int(codeSize), count: frameWidth * frameHeight)
        let table = neededTable(localTable) ?? neededTable(globalTable)
        let image = compose(frame, x0: x0, y0: y0, frameWidth: frameWidth, frameHeight: frameHeight,
                            interlaced: imageFlags & 0x40 != 0, width: width, height: height, fill: fill,
                            table: table)
        return DecodedImage(image: image)
      case 0x3b:
        throw GIFError.noImage
      default:
        position += 1
      }
    }
  }

  /// Reads the color table that `flags` (bit 7: present, bits 0–2: size) announces at `position`, if any.
  static func colorTable(_ bytes: [UInt8], flags: UInt8, at position: inout Int, block: Int) throws -> [UInt8]? {
    guard flags & 0x80 != 0 else { return nil }
    let size = 3 << (Int(flags & 7) + 1)
    guard position + size <= bytes.count else { throw GIFError.truncated(offset: block) }
    defer { position += size }
    return Array(bytes[position..<(position + size)])
  }

  /// Pillow ignores a color table that is the identity grey ramp (entry i is (i, i, i)).
  static func neededTable(_ table: [UInt8]?) -> [UInt8]? {
    guard let table else { return nil }
    for i in 0..<(table.count / 3) where table[3 * i] != UInt8(truncatingIfNeeded: i)
      || table[3 * i + 1] != table[3 * i] || table[3 * i + 2] != table[3 * i] {
      return table
    }
    return nil
  }

  /// Places the frame's rows on the canvas (undoing the 4-pass interlace) and maps indices to RGB.
  static func compose(_ frame: [UInt8], x0: Int, y0: Int, frameWidth: Int, frameHeight: Int, interlaced: Bool,
                      width: Int, height: Int, fill: UInt8, table: [UInt8]?) -> RGBImage {
    var canvas = [UInt8](repeating: fill, count: width * height)
    var rowOrder: [Int] = []
    if interlaced {
      for (start, step) in [(0, 8), (4, 8), (2, 4), (1, 2)] { rowOrder += Array(stride(from: start, to: frameHeight,
                                                                                       by: step)) }
    } else {
      rowOrder = Array(0..<frameHeight)
    }
    for (streamRow, y) in rowOrder.enumerated() where frameWidth > 0 {
      let src = streamRow * frameWidth, dst = (y0 + y) * width + x0
      canvas[dst..<(dst + frameWidth)] = frame[src..<(src + frameWidth)]
    }
    var rgb = [UInt8](repeating: 0, count: width * height * 3)
    var lookup = [UInt8](repeating: 0, count: 768)
    if let table {
      lookup.replaceSubrange(0..<table.count, with: table)
    } else {
      for i in 0..<768 { lookup[i] = UInt8(i / 3) }
    }
    for (i, index) in canvas.enumerated() {
      rgb[3 * i] = lookup[3 * Int(index)]
      rgb[3 * i + 1] = lookup[3 * Int(index) + 1]
      rgb[3 * i + 2] = lookup[3 * Int(index) + 2]
    }
    return RGBImage(width: width, height: height, pixels: rgb)
  }
}

/// The little-endian 16-bit integer at `bytes[i]`.
@inline(__always)
func le16(_ bytes: [UInt8], _ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
