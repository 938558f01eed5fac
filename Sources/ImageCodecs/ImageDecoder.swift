/// The container formats the worker decodes, recognized by their signatures rather than by file names.
public enum ImageFormat: String, Sendable, CaseIterable {
  case png, jpeg, gif, bmp

  /// The format whose signature `bytes` starts with, or nil.
  public init?(sniffing bytes: [UInt8]) {
    if PNG.hasSignature(bytes) { self = .png }
    else if bytes.starts(with: [0xFF, 0xD8]) { self = .jpeg }
    else if GIF.hasSignature(bytes) { self = .gif }
    else if BMP.hasSignature(bytes) { self = .bmp }
    else { return nil }
  }
}

/// An image whose bytes are not in a format the worker decodes.
public enum ImageFormatError: Error, Equatable, CustomStringConvertible {
  /// No known signature; carries the first bytes (at most 8) for the message.
  case unrecognized(leadingBytes: [UInt8])

  public var description: String {
    switch self {
    case let .unrecognized(leading):
      if leading.isEmpty { return "empty file: not an image" }
      let hex = leading.map { String($0, radix: 16, uppercase: true) }.map { $0.count == 1 ? "0" + $0 : $0 }
      return "not a PNG, JPEG, GIF or BMP file (starts with \(hex.joined(separator: " ")))"
    }
  }
}

/// Decodes a PNG, JPEG, GIF or BMP file to RGB the way `transformers.image_utils.load_image` does:
/// `ImageOps.exif_transpose` (EXIF orientation, else XMP `tiff:Orientation`), then `convert("RGB")`.
///
/// - Throws: `ImageFormatError`, `ImageLimitError`, or the format's own error (`PNGError`, `JPEGError`, ...).
public func decodeImage(_ bytes: [UInt8], limits: ImageLimits = .init()) throws -> RGBImage {
  guard let format = ImageFormat(sniffing: bytes) else {
    throw ImageFormatError.unrecognized(leadingBytes: Array(bytes.prefix(8)))
  }
  let decoded: DecodedImage
  switch format {
  case .png: decoded = try PNG.decode(bytes, limits: limits)
  case .jpeg: decoded = try JPEG.decode(bytes, limits: limits)
  case .gif: decoded = try GIF.decode(bytes, limits: limits)
  case .bmp: decoded = try BMP.decode(bytes, limits: limits)
  }
  return decoded.uprightImage
}
