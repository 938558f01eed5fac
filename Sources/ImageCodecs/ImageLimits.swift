/// Bounds checked against an image's header before any pixel buffer is allocated, so that a small file
/// declaring a huge image (a decompression bomb) is refused instead of exhausting memory.
public struct ImageLimits: Sendable, Equatable {
  /// The largest accepted `width * height`. Default: 100 megapixels.
  public var maxPixels: Int
  /// The largest accepted width or height.
  public var maxDimension: Int

  public init(maxPixels: Int = 100_000_000, maxDimension: Int = 65_535) {
    self.maxPixels = maxPixels
    self.maxDimension = maxDimension
  }

  /// Throws `ImageLimitError` unless a `width`×`height` image is within bounds.
  public func check(width: Int, height: Int) throws {
    guard width > 0, height > 0 else { throw ImageLimitError.emptyImage(width: width, height: height) }
    guard width <= maxDimension, height <= maxDimension, width.multipliedReportingOverflow(by: height).partialValue <= maxPixels
    else { throw ImageLimitError.tooLarge(width: width, height: height, maxPixels: maxPixels) }
  }
}

/// An image refused by `ImageLimits` before decoding.
public enum ImageLimitError: Error, Equatable, CustomStringConvertible {
  case emptyImage(width: Int, height: Int)
  case tooLarge(width: Int, height: Int, maxPixels: Int)

  public var description: String {
    switch self {
    case let .emptyImage(w, h): return "image has no pixels (\(w)×\(h))"
    case let .tooLarge(w, h, max): return "image of \(w)×\(h) pixels exceeds the limit of \(max) pixels"
    }
  }
}
