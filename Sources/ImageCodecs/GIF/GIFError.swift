/// Why a GIF file was refused. Offsets are byte indices into the file.
public enum GIFError: Error, Equatable, Sendable {
  /// The file does not start with `GIF87a` or `GIF89a`.
  case notGIF
  /// The file ends inside the block that starts at `offset`.
  case truncated(offset: Int)
  /// The file ends (trailer or end of data) before any image descriptor.
  case noImage
  /// The LZW minimum code size at `offset` is outside 1...11.
  case invalidCodeSize(UInt8, offset: Int)
  /// An LZW code refers to a table entry not yet defined. `pixel` is how many pixels were decoded before it.
  case invalidCode(Int, pixel: Int)
  /// The LZW data ends (end code or last sub-block) before the frame is full; Pillow refuses such frames too.
  case imageDataShort(decoded: Int, expected: Int)
}

extension GIFError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .notGIF: return "not a GIF file (bad signature)"
    case let .truncated(offset): return "GIF truncated inside the block at byte \(offset)"
    case .noImage: return "GIF has no image"
    case let .invalidCodeSize(size, offset): return "GIF LZW code size \(size) at byte \(offset) is not 1...11"
    case let .invalidCode(code, pixel): return "GIF LZW code \(code) is undefined (after \(pixel) pixels)"
    case let .imageDataShort(decoded, expected): return "GIF image data gives \(decoded) of \(expected) pixels"
    }
  }
}
