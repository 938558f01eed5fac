/// An 8-bit RGB image, what Pillow's `Image.convert("RGB")` yields: rows top to bottom, pixels left to
/// right, three interleaved bytes per pixel.
public struct RGBImage: Equatable, Sendable {
  /// Width in pixels, at least 1.
  public let width: Int
  /// Height in pixels, at least 1.
  public let height: Int
  /// `width * height * 3` bytes, R G B for each pixel.
  public var pixels: [UInt8]

  /// An image over existing interleaved RGB bytes.
  public init(width: Int, height: Int, pixels: [UInt8]) {
    precondition(width > 0 && height > 0, "RGBImage: empty size \(width)×\(height)")
    precondition(pixels.count == width * height * 3, "RGBImage: \(pixels.count) bytes for \(width)×\(height)")
    self.width = width
    self.height = height
    self.pixels = pixels
  }
}
