/// One chunk of a PNG file, located but not copied: its type and where its data lies in the file.
struct PNGChunk {
  /// The four type letters as a big-endian integer (`"IHDR"` is 0x4948_4452).
  let type: UInt32
  /// Where the chunk's data lies in the file.
  let data: Range<Int>
  /// Where the chunk (its length field) starts in the file.
  let offset: Int

  var name: String { PNGChunk.name(type) }

  static func name(_ type: UInt32) -> String {
    String(decoding: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: type >> $0) }, as: UTF8.self)
  }

  static let IHDR: UInt32 = 0x4948_4452, PLTE: UInt32 = 0x504c_5445, IDAT: UInt32 = 0x4944_4154
  static let IEND: UInt32 = 0x4945_4e44, eXIf: UInt32 = 0x6558_4966
  static let tEXt: UInt32 = 0x7445_5874, zTXt: UInt32 = 0x7a54_5874
}

/// Walks the chunks of a PNG file after its signature, checking each chunk's length and CRC.
struct PNGChunkReader {
  let bytes: [UInt8]
  private(set) var offset = 8

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  /// The next chunk; throws `truncated` if the file ends inside it.
  mutating func next() throws -> PNGChunk {
    let start = offset
    guard start + 8 <= bytes.count else { throw PNGError.truncated(chunk: nil, offset: start) }
    let length = readUInt32(bytes, start), type = readUInt32(bytes, start + 4)
    guard length <= 0x7fff_ffff else {
      throw PNGError.invalidChunkLength(chunk: PNGChunk.name(type), length: length, offset: start)
    }
    let dataEnd = start + 8 + Int(length)
    guard dataEnd + 4 <= bytes.count else { throw PNGError.truncated(chunk: PNGChunk.name(type), offset: start) }
    let declared = readUInt32(bytes, dataEnd), computed = CRC32.checksum(bytes, (start + 4)..<dataEnd)
    guard declared == computed else {
      throw PNGError.badChecksum(chunk: PNGChunk.name(type), declared: declared, computed: computed)
    }
    offset = dataEnd + 4
    return PNGChunk(type: type, data: (start + 8)..<dataEnd, offset: start)
  }
}

/// The big-endian 32-bit integer at `bytes[i]`.
@inline(__always)
func readUInt32(_ bytes: [UInt8], _ i: Int) -> UInt32 {
  UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
}
