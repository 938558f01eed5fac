import Inflate

/// EXIF carried in a tEXt or zTXt chunk with keyword "Raw profile type exif" (ImageMagick's layout: a newline,
/// the profile name, the length, then hex digits over several lines), which Pillow's `getexif()` also reads.
enum PNGTextExif {
  static let keyword = Array("Raw profile type exif".utf8)

  /// The TIFF payload from such a chunk, or nil if the chunk is another text or is malformed (ancillary data is
  /// never a reason to refuse an image).
  static func payload(_ bytes: [UInt8], _ chunk: PNGChunk) -> [UInt8]? {
    let data = bytes[chunk.data]
    guard data.starts(with: keyword + [0]) else { return nil }
    var text = Array(data.dropFirst(keyword.count + 1))
    if chunk.type == PNGChunk.zTXt {
      // Compression method byte (0 = zlib), then the stream; the profile text is small, so 16 MB is ample.
      guard text.first == 0, let inflated = try? Zlib.decompress(Array(text.dropFirst()), maxOutput: 1 << 24) else {
        return nil
      }
      text = inflated
    }
    // Pillow drops the first three lines ("", "exif", length) and joins the rest as hex.
    let lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    guard lines.count > 3 else { return nil }
    var out: [UInt8] = []
    var high: UInt8?
    for line in lines.dropFirst(3) {
      for c in line {
        guard let v = hexValue(c) else {
          if c == UInt8(ascii: " ") || c == UInt8(ascii: "\r") { continue }
          return nil
        }
        if let h = high {
          out.append(h << 4 | v)
          high = nil
        } else {
          high = v
        }
      }
    }
    let prefix = Array("Exif\0\0".utf8)
    return out.starts(with: prefix) ? Array(out.dropFirst(6)) : out
  }

  static func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
  }
}
