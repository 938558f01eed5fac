/// The EXIF orientation tag (TIFF tag 0x0112): how the stored pixels must be turned to display upright.
/// transformers' `load_image` calls Pillow's `ImageOps.exif_transpose`, so `apply(to:)` does what that does.
public enum EXIFOrientation: Int, Sendable, CaseIterable {
  /// Stored upright; nothing to do.
  case topLeft = 1
  /// Mirrored left to right (Pillow: FLIP_LEFT_RIGHT).
  case topRight = 2
  /// Upside down (Pillow: ROTATE_180).
  case bottomRight = 3
  /// Mirrored top to bottom (Pillow: FLIP_TOP_BOTTOM).
  case bottomLeft = 4
  /// Mirrored across the main diagonal (Pillow: TRANSPOSE).
  case leftTop = 5
  /// Needs a quarter turn clockwise (Pillow: ROTATE_270, counter-clockwise by 270°).
  case rightTop = 6
  /// Mirrored across the anti-diagonal (Pillow: TRANSVERSE).
  case rightBottom = 7
  /// Needs a quarter turn counter-clockwise (Pillow: ROTATE_90).
  case leftBottom = 8

  /// Reads the orientation from an EXIF TIFF payload (starting `II*\0` or `MM\0*`, after an optional
  /// repeated `Exif\0\0` that Pillow also skips): the 0x0112 entry of IFD0 with type BYTE, SHORT or LONG and
  /// count 1. Every read is bounds-checked; entries of a truncated IFD that are complete are still read
  /// (Pillow keeps them too). Like Pillow's dictionary, the last 0x0112 entry wins. Nil when there is no
  /// such entry or its value is not 1...8.
  public init?(exif: [UInt8]) {
    guard case let .present(value?) = Self.lookUp(exif: exif), let orientation = Self(rawValue: value) else {
      return nil
    }
    self = orientation
  }

  /// Reads the orientation from an XMP packet as Pillow's `getexif` does: the first digit after
  /// `tiff:Orientation="` or `tiff:Orientation>`. Nil when there is none or it is not 1...8.
  public init?(xmp: [UInt8]) {
    let key = Array("tiff:Orientation".utf8)
    var i = 0
    while i + key.count + 1 < xmp.count {
      if xmp[i] == key[0] && Array(xmp[i..<(i + key.count)]) == key {
        let after = i + key.count
        // The regex tiff:Orientation(="|>)([0-9]): `="` then a digit, or `>` then a digit.
        let digitAt = xmp[after] == UInt8(ascii: "=") && xmp[after + 1] == UInt8(ascii: "\"") ? after + 2
          : xmp[after] == UInt8(ascii: ">") ? after + 1 : nil
        if let digitAt, digitAt < xmp.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(xmp[digitAt]) {
          guard let orientation = Self(rawValue: Int(xmp[digitAt] - UInt8(ascii: "0"))) else { return nil }
          self = orientation
          return
        }
      }
      i += 1
    }
    return nil
  }

  /// Whether IFD0 has an orientation entry, and its value when it is a single BYTE, SHORT or LONG.
  enum Lookup: Equatable {
    case absent
    case present(Int?)
  }

  static func lookUp(exif bytes: [UInt8]) -> Lookup {
    let header = Array("Exif\0\0".utf8)
    let exif = bytes.starts(with: header) ? Array(bytes.dropFirst(header.count)) : bytes
    guard exif.count >= 8 else { return .absent }
    let bigEndian: Bool
    switch (exif[0], exif[1]) {
    case (0x49, 0x49): bigEndian = false
    case (0x4D, 0x4D): bigEndian = true
    default: return .absent
    }
    func u16(_ at: Int) -> Int {
      bigEndian ? Int(exif[at]) << 8 | Int(exif[at + 1]) : Int(exif[at + 1]) << 8 | Int(exif[at])
    }
    func u32(_ at: Int) -> Int { bigEndian ? u16(at) << 16 | u16(at + 2) : u16(at + 2) << 16 | u16(at) }
    guard u16(2) == 42 else { return .absent }
    let ifd = u32(4)
    guard ifd <= exif.count - 2 else { return .absent }
    var result = Lookup.absent
    for i in 0..<u16(ifd) {
      let entry = ifd + 2 + 12 * i
      guard entry + 12 <= exif.count else { break }
      guard u16(entry) == 0x0112 else { continue }
      switch (u16(entry + 2), u32(entry + 4)) {
      case (1, 1): result = .present(Int(exif[entry + 8]))
      case (3, 1): result = .present(u16(entry + 8))
      case (4, 1): result = .present(u32(entry + 8))
      default: result = .present(nil)
      }
    }
    return result
  }

  /// The image turned upright: `ImageOps.exif_transpose` for this orientation.
  /// - Complexity: O(pixels).
  public func apply(to image: RGBImage) -> RGBImage {
    if self == .topLeft { return image }
    let w = image.width, h = image.height
    let swapsAxes = rawValue >= 5
    let outWidth = swapsAxes ? h : w, outHeight = swapsAxes ? w : h
    var out = [UInt8](repeating: 0, count: w * h * 3)
    let source = image.pixels
    var o = 0
    for y in 0..<outHeight {
      for x in 0..<outWidth {
        // The source pixel that lands at output (x, y).
        let (sx, sy): (Int, Int)
        switch self {
        case .topLeft: (sx, sy) = (x, y)
        case .topRight: (sx, sy) = (w - 1 - x, y)
        case .bottomRight: (sx, sy) = (w - 1 - x, h - 1 - y)
        case .bottomLeft: (sx, sy) = (x, h - 1 - y)
        case .leftTop: (sx, sy) = (y, x)
        case .rightTop: (sx, sy) = (y, h - 1 - x)
        case .rightBottom: (sx, sy) = (w - 1 - y, h - 1 - x)
        case .leftBottom: (sx, sy) = (w - 1 - y, x)
        }
        let s = (sy * w + sx) * 3
        out[o] = source[s]
        out[o + 1] = source[s + 1]
        out[o + 2] = source[s + 2]
        o += 3
      }
    }
    return RGBImage(width: outWidth, height: outHeight, pixels: out)
  }
}
