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

  /// Reads the orientation from an EXIF TIFF payload (starting `II*\0` or `MM\0*`): the 0x0112 entry of
  /// IFD0 with type BYTE, SHORT or LONG and count 1. Every read is bounds-checked; entries of a truncated
  /// IFD that are complete are still read (Pillow keeps them too). Like Pillow's dictionary, the last 0x0112
  /// entry wins. Nil when there is no such entry or its value is not 1...8.
  public init?(exif: [UInt8]) {
    guard exif.count >= 8 else { return nil }
    let bigEndian: Bool
    switch (exif[0], exif[1]) {
    case (0x49, 0x49): bigEndian = false
    case (0x4D, 0x4D): bigEndian = true
    default: return nil
    }
    func u16(_ at: Int) -> Int {
      bigEndian ? Int(exif[at]) << 8 | Int(exif[at + 1]) : Int(exif[at + 1]) << 8 | Int(exif[at])
    }
    func u32(_ at: Int) -> Int { bigEndian ? u16(at) << 16 | u16(at + 2) : u16(at + 2) << 16 | u16(at) }
    guard u16(2) == 42 else { return nil }
    let ifd = u32(4)
    guard ifd <= exif.count - 2 else { return nil }
    let entries = u16(ifd)
    var value: Int?
    for i in 0..<entries {
      let entry = ifd + 2 + 12 * i
      guard entry + 12 <= exif.count else { break }
      guard u16(entry) == 0x0112 else { continue }
      let type = u16(entry + 2), count = u32(entry + 4)
      switch (type, count) {
      case (1, 1): value = Int(exif[entry + 8])
      case (3, 1): value = u16(entry + 8)
      case (4, 1): value = u32(entry + 8)
      default: value = nil
      }
    }
    guard let value, let orientation = EXIFOrientation(rawValue: value) else { return nil }
    self = orientation
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
