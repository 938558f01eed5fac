/// Builds DEFLATE bit streams by hand for the malformed-stream tests: fields least significant bit first,
/// Huffman codes most significant bit first, as RFC 1951 §3.1.1 packs them.
struct BitWriter {
  private(set) var bytes: [UInt8] = []
  private var bitCount = 0

  /// Appends the low `count` bits of `value`, least significant first.
  mutating func bits(_ value: Int, _ count: Int) {
    for i in 0..<count { push(value >> i & 1) }
  }

  /// Appends a block header: BFINAL, then BTYPE (0 stored, 1 fixed, 2 dynamic, 3 reserved).
  mutating func blockHeader(type: Int, final: Bool = true) {
    bits(final ? 1 : 0, 1)
    bits(type, 2)
  }

  /// Appends a Huffman code of `length` bits, most significant first.
  mutating func code(_ value: Int, _ length: Int) {
    for i in stride(from: length - 1, through: 0, by: -1) { push(value >> i & 1) }
  }

  private mutating func push(_ bit: Int) {
    if bitCount % 8 == 0 { bytes.append(0) }
    bytes[bytes.count - 1] |= UInt8(bit) << UInt8(bitCount % 8)
    bitCount += 1
  }

  /// The fixed-code literal/length code of `symbol` (RFC 1951 §3.2.6).
  mutating func fixedSymbol(_ symbol: Int) {
    switch symbol {
    case 0...143: code(0x30 + symbol, 8)
    case 144...255: code(0x190 + symbol - 144, 9)
    case 256...279: code(symbol - 256, 7)
    default: code(0xc0 + symbol - 280, 8)
    }
  }
}

/// A zlib stream around `deflate`: header 78 9C, the data, then the given Adler-32.
func zlibWrap(_ deflate: [UInt8], adler: UInt32) -> [UInt8] {
  [0x78, 0x9c] + deflate + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: adler >> $0) }
}
