import Inflate

/// Why a PNG file was refused. Offsets are byte indices into the file; chunk types are their four ASCII letters.
public enum PNGError: Error, Equatable, Sendable {
  /// The file does not start with the PNG signature.
  case notPNG
  /// The file ends inside the chunk that starts at `offset` (or before the image data is complete).
  case truncated(chunk: String?, offset: Int)
  /// A chunk declares a length over 2³¹ − 1 bytes.
  case invalidChunkLength(chunk: String, length: UInt32, offset: Int)
  /// A chunk's CRC-32 (over its type and data) does not match.
  case badChecksum(chunk: String, declared: UInt32, computed: UInt32)
  /// The first chunk is not IHDR.
  case missingHeader(found: String)
  /// IHDR is not 13 bytes long.
  case invalidHeaderLength(Int)
  /// IHDR names a color type PNG does not define.
  case invalidColorType(UInt8)
  /// IHDR pairs a color type with a bit depth PNG does not allow.
  case invalidBitDepth(UInt8, colorType: UInt8)
  /// IHDR names a compression, filter or interlace method PNG does not define.
  case unsupportedMethod(compression: UInt8, filter: UInt8, interlace: UInt8)
  /// A palette image has no PLTE chunk before its image data.
  case missingPalette
  /// PLTE's length is not a multiple of 3 between 3 and 768.
  case invalidPalette(length: Int)
  /// There is no IDAT chunk.
  case missingImageData
  /// IDAT chunks are interrupted by another chunk at `offset`, then resume.
  case imageDataNotContiguous(offset: Int)
  /// A second IHDR chunk, at `offset`.
  case duplicateHeader(offset: Int)
  /// The compressed image data is malformed, or does not hold exactly the bytes the header implies.
  case compressedData(InflateError)
  /// A scanline starts with a filter type other than 0–4. `row` counts scanlines in the decompressed data
  /// (through all seven passes for an interlaced image).
  case invalidFilter(UInt8, row: Int)
}

extension PNGError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .notPNG: return "not a PNG file (bad signature)"
    case let .truncated(chunk, offset):
      return "PNG truncated" + (chunk.map { " inside the \($0) chunk at byte \(offset)" } ?? " at byte \(offset)")
    case let .invalidChunkLength(chunk, length, offset):
      return "PNG chunk \(chunk) at byte \(offset) declares an invalid length \(length)"
    case let .badChecksum(chunk, declared, computed):
      return "PNG chunk \(chunk) has CRC \(hex32(declared)), its data gives \(hex32(computed))"
    case let .missingHeader(found): return "PNG starts with chunk \(found) instead of IHDR"
    case let .invalidHeaderLength(n): return "PNG IHDR has \(n) bytes instead of 13"
    case let .invalidColorType(t): return "PNG color type \(t) is not defined"
    case let .invalidBitDepth(d, t): return "PNG bit depth \(d) is not allowed with color type \(t)"
    case let .unsupportedMethod(c, f, i):
      return "PNG compression method \(c), filter method \(f) or interlace method \(i) is not defined"
    case .missingPalette: return "PNG palette image has no PLTE chunk before its image data"
    case let .invalidPalette(n): return "PNG PLTE chunk has \(n) bytes (must be 3 to 768, a multiple of 3)"
    case .missingImageData: return "PNG has no IDAT chunk"
    case let .imageDataNotContiguous(offset): return "PNG IDAT chunks resume after another chunk at byte \(offset)"
    case let .duplicateHeader(offset): return "PNG has a second IHDR chunk at byte \(offset)"
    case let .compressedData(error): return "PNG image data: \(error)"
    case let .invalidFilter(f, row): return "PNG scanline \(row) has invalid filter type \(f)"
    }
  }
}

func hex32(_ v: UInt32) -> String {
  let s = String(v, radix: 16)
  return "0x" + String(repeating: "0", count: 8 - s.count) + s
}
