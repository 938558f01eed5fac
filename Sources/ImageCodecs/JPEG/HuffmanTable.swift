/// A Huffman decoding table built from a DHT segment, as libjpeg's `jpeg_make_d_derived_tbl` builds it:
/// a lookahead table for codes of up to `lookaheadBits` bits, and the canonical `maxCode`/`valueOffset`
/// arrays for longer codes.
struct HuffmanTable {
  /// Codes up to this length are decoded with one table lookup.
  static let lookaheadBits = 9

  /// Indexed by the next `lookaheadBits` bits: `length << 8 | symbol`, or 0 when the code is longer.
  let lookup: [UInt16]
  /// For each code length 1...16 (index 0 unused): the largest code of that length,
  /// or -1 when there is none.
  let maxCode: [Int]
  /// For each code length: added to a code of that length to give its index in `symbols`.
  let valueOffset: [Int]
  /// The symbols in order of increasing code length.
  let symbols: [UInt8]

  /// Builds the table from the 16 code-length counts and the symbols of a DHT entry. Throws
  /// `badHuffmanTable` when the counts overflow the code space or `isDC` and a symbol is above 15
  /// (libjpeg refuses both).
  init(counts: [Int], symbols: [UInt8], isDC: Bool, offset: Int) throws {
    precondition(counts.count == 16)
    guard symbols.count == counts.reduce(0, +), symbols.count <= 256 else {
      throw JPEGError.badHuffmanTable(offset: offset)
    }
    if isDC, symbols.contains(where: { $0 > 15 }) { throw JPEGError.badHuffmanTable(offset: offset) }
    var maxCode = [Int](repeating: -1, count: 17)
    var valueOffset = [Int](repeating: 0, count: 17)
    var lookup = [UInt16](repeating: 0, count: 1 << Self.lookaheadBits)
    var code = 0
    var index = 0
    for length in 1...16 {
      let count = counts[length - 1]
      if count > 0 {
        valueOffset[length] = index - code
        for _ in 0..<count {
          // Each code must fit in `length` bits and none may be all ones (libjpeg's JERR_BAD_HUFF_TABLE).
          guard code + 1 < 1 << length else { throw JPEGError.badHuffmanTable(offset: offset) }
          if length <= Self.lookaheadBits {
            // Every lookahead pattern that starts with this code decodes to its symbol.
            let shift = Self.lookaheadBits - length
            let entry = UInt16(length << 8) | UInt16(symbols[index])
            for fill in 0..<(1 << shift) { lookup[(code << shift) | fill] = entry }
          }
          code += 1
          index += 1
        }
        maxCode[length] = code - 1
      }
      code <<= 1
    }
    self.lookup = lookup
    self.maxCode = maxCode
    self.valueOffset = valueOffset
    self.symbols = symbols
  }
}
