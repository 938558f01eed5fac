/// Why a JPEG file was refused. Every case says what was wrong and, where it applies, the byte offset in the
/// file at which it was found.
///
/// Decoding follows libjpeg-turbo (the decoder behind Pillow) for every file it decodes without complaint.
/// Where libjpeg-turbo only warns and goes on guessing (an undefined Huffman code, a coefficient run past the
/// end of a block, a missing restart marker), this decoder throws instead: such data is corrupt, and the
/// pixels libjpeg-turbo would invent for it are not worth matching.
public enum JPEGError: Error, Equatable, CustomStringConvertible {
  /// The file does not start with the SOI marker `FF D8`.
  case notJPEG
  /// The data ended before the EOI marker; `offset` is the file length. Pillow raises "image file is
  /// truncated" for the same files.
  case unexpectedEnd(offset: Int)
  /// A marker that is not allowed where it was found (an unknown marker, a second SOF, SOS before SOF).
  case badMarker(UInt8, offset: Int)
  /// A marker segment whose length field is too small or runs past the data it must describe.
  case badSegmentLength(marker: UInt8, length: Int, offset: Int)
  /// A DHT segment whose code counts overflow the code space, define more than 256 symbols, or give a DC
  /// table a symbol above 15.
  case badHuffmanTable(offset: Int)
  /// A DQT segment with a bad precision or table id.
  case badQuantizationTable(offset: Int)
  /// A frame header (SOF) with a zero field, a bad sampling factor or a duplicate component id.
  case badFrameHeader(String, offset: Int)
  /// A scan header (SOS) naming an unknown component, or with a bad progression.
  case badScanHeader(String, offset: Int)
  /// A scan uses a Huffman or quantization table that no DHT or DQT segment defined.
  case missingTable(String, id: Int, offset: Int)
  /// The scan data holds a bit pattern that is no code of the Huffman table in use.
  case badHuffmanCode(offset: Int)
  /// A coefficient run or end-of-band run goes past the end of the block or band.
  case badCoefficientRun(offset: Int)
  /// The restart marker expected after a restart interval is missing or out of sequence; `found` is the
  /// marker byte met instead (nil when none was found before the end of the data).
  case badRestartMarker(expected: UInt8, found: UInt8?, offset: Int)
  /// The file ended (EOI) without any frame or scan.
  case noImage
  /// A legal JPEG feature this decoder does not implement (arithmetic coding, lossless, 12-bit, ...).
  case unsupported(String)

  public var description: String {
    switch self {
    case .notJPEG: return "not a JPEG file (no SOI marker)"
    case let .unexpectedEnd(offset): return "JPEG data ends at byte \(offset) before the EOI marker (truncated file)"
    case let .badMarker(marker, offset): return "unexpected JPEG marker 0xFF\(hex(marker)) at byte \(offset)"
    case let .badSegmentLength(marker, length, offset):
      return "JPEG segment 0xFF\(hex(marker)) at byte \(offset) has a bad length \(length)"
    case let .badHuffmanTable(offset): return "bad Huffman table in the DHT segment at byte \(offset)"
    case let .badQuantizationTable(offset): return "bad quantization table in the DQT segment at byte \(offset)"
    case let .badFrameHeader(why, offset): return "bad JPEG frame header at byte \(offset): \(why)"
    case let .badScanHeader(why, offset): return "bad JPEG scan header at byte \(offset): \(why)"
    case let .missingTable(kind, id, offset): return "JPEG scan at byte \(offset) uses undefined \(kind) table \(id)"
    case let .badHuffmanCode(offset): return "invalid Huffman code in JPEG scan data near byte \(offset)"
    case let .badCoefficientRun(offset): return "JPEG coefficient run past the end of a block near byte \(offset)"
    case let .badRestartMarker(expected, found, offset):
      let what = found.map { "0xFF\(hex($0))" } ?? "no marker"
      return "expected restart marker 0xFF\(hex(expected)) at byte \(offset), found \(what)"
    case .noImage: return "JPEG file holds no image (no frame or no scan before EOI)"
    case let .unsupported(what): return "unsupported JPEG feature: \(what)"
    }
  }
}

private func hex(_ byte: UInt8) -> String {
  let digits = Array("0123456789ABCDEF")
  return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
}
