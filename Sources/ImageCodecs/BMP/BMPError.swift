/// Why a BMP file was refused. Offsets are byte indices into the file.
public enum BMPError: Error, Equatable, Sendable {
  /// The file does not start with `BM`.
  case notBMP
  /// The file ends inside its headers or palette, or before the last row of pixel data.
  case truncated(needed: Int, available: Int)
  /// The DIB header size is not one of 12, 40, 52, 56, 64, 108, 124.
  case unsupportedHeader(size: Int)
  /// Bits per pixel other than 1, 4, 8, 16, 24, 32.
  case unsupportedBitDepth(Int)
  /// A compression other than none, RLE8, RLE4 or bitfields (JPEG and PNG payloads are not decoded).
  case unsupportedCompression(Int)
  /// Bitfield masks other than the layouts Pillow reads (565 and 555 for 16 bits, byte-aligned for 24/32).
  case unsupportedBitfields(bits: Int, red: UInt32, green: UInt32, blue: UInt32, alpha: UInt32)
  /// The palette size field is 0 after defaulting, or over 65536.
  case invalidPaletteSize(Int)
  /// RLE data ended (end-of-bitmap or end of file) with fewer pixels than the image has.
  case rleDataShort(decoded: Int, expected: Int)
}

extension BMPError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .notBMP: return "not a BMP file (no BM signature)"
    case let .truncated(needed, available): return "BMP truncated: needs \(needed) bytes, file has \(available)"
    case let .unsupportedHeader(size): return "BMP header of \(size) bytes is not supported"
    case let .unsupportedBitDepth(bits): return "BMP depth of \(bits) bits per pixel is not supported"
    case let .unsupportedCompression(c): return "BMP compression \(c) is not supported"
    case let .unsupportedBitfields(bits, r, g, b, a):
      return "BMP \(bits)-bit bitfields R \(hex32(r)) G \(hex32(g)) B \(hex32(b)) A \(hex32(a)) are not supported"
    case let .invalidPaletteSize(n): return "BMP palette of \(n) colors is not supported"
    case let .rleDataShort(decoded, expected): return "BMP RLE data gives \(decoded) of \(expected) pixels"
    }
  }
}
