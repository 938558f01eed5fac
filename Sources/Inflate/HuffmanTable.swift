/// A lookup table for one canonical Huffman code as DEFLATE stores it (codes read least significant bit first).
///
/// The first `rootBits` bits of the input index the root table directly; codes longer than that share a root
/// entry that links to a subtable indexed by the following bits. Each entry is one `UInt32`:
/// bits 0–4 the number of bits the code takes, bits 5–7 the kind (literal, base, end, link, invalid),
/// bits 8–11 the extra bits that follow the code (or, for a link, the subtable's index width),
/// bits 16–31 the value (literal byte, base length or distance, or the subtable's start).
/// Decoding a symbol is then one or two array reads instead of a walk bit by bit.
struct HuffmanTable {
  static let literal: UInt32 = 0 << 5, base: UInt32 = 1 << 5, end: UInt32 = 2 << 5
  static let link: UInt32 = 3 << 5, invalid: UInt32 = 4 << 5
  static let kindMask: UInt32 = 7 << 5

  var entries: [UInt32]
  let rootBits: Int

  /// Builds the table for the code whose lengths are `lengths` (0 means the symbol has no code).
  /// `payload[s]` is the entry for symbol `s` without its bit count (kind, extra bits, value).
  /// Throws on an oversubscribed set, and on an incomplete one unless it is a single one-bit code (or empty)
  /// in a literal/length or distance code, which zlib accepts too.
  init(lengths: ArraySlice<UInt8>, payload: [UInt32], rootBits: Int, code: InflateError.Code, offset: Int) throws {
    assert(lengths.count <= payload.count)
    self.rootBits = rootBits
    var count = [Int](repeating: 0, count: 16)
    for l in lengths { count[Int(l)] += 1 }
    count[0] = 0
    var left = 1
    for len in 1...15 {
      left = left << 1 - count[len]
      if left < 0 { throw InflateError.oversubscribedCode(code, offset: offset) }
    }
    var maxLen = 15
    while maxLen > 0 && count[maxLen] == 0 { maxLen -= 1 }
    if left > 0 && (code == .codeLength || maxLen > 1) {
      throw InflateError.incompleteCode(code, offset: offset)
    }

    var nextCode = [Int](repeating: 0, count: 16)
    var c = 0
    for len in 1...15 {
      c = (c + count[len - 1]) << 1
      nextCode[len] = c
    }
    // Codes bit-reversed, because DEFLATE packs them starting from their most significant bit.
    var reversed = [Int](repeating: 0, count: lengths.count)
    for (i, l) in lengths.enumerated() where l > 0 {
      var v = nextCode[Int(l)], r = 0
      nextCode[Int(l)] += 1
      for _ in 0..<Int(l) {
        r = r << 1 | v & 1
        v >>= 1
      }
      reversed[i] = r
    }

    let rootSize = 1 << rootBits, rootMask = rootSize - 1
    var table = [UInt32](repeating: HuffmanTable.invalid, count: rootSize)
    // Subtable width for each root prefix shared by codes longer than the root.
    var subBits = [Int](repeating: 0, count: rootSize)
    for (i, l) in lengths.enumerated() where Int(l) > rootBits {
      let prefix = reversed[i] & rootMask
      subBits[prefix] = max(subBits[prefix], Int(l) - rootBits)
    }
    for prefix in 0..<rootSize where subBits[prefix] > 0 {
      table[prefix] = HuffmanTable.link | UInt32(subBits[prefix]) << 8 | UInt32(table.count) << 16
      table.append(contentsOf: repeatElement(HuffmanTable.invalid, count: 1 << subBits[prefix]))
    }
    for (i, l) in lengths.enumerated() where l > 0 {
      let len = Int(l)
      if len <= rootBits {
        for j in stride(from: reversed[i], to: rootSize, by: 1 << len) {
          table[j] = payload[i] | UInt32(len)
        }
      } else {
        let rootEntry = table[reversed[i] & rootMask]
        let start = Int(rootEntry >> 16), width = Int(rootEntry >> 8 & 15)
        for j in stride(from: reversed[i] >> rootBits, to: 1 << width, by: 1 << (len - rootBits)) {
          table[start + j] = payload[i] | UInt32(len - rootBits)
        }
      }
    }
    entries = table
  }
}

extension HuffmanTable {
  /// Entries for literal/length symbols 0...287: literals, end of block, lengths 3...258 with their extra bits.
  static let literalLengthPayload: [UInt32] = {
    let bases: [UInt32] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
                           131, 163, 195, 227, 258]
    let extra: [UInt32] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    var p = (0..<256).map { literal | UInt32($0) << 16 }
    p.append(end)
    for i in 0..<29 { p.append(base | extra[i] << 8 | bases[i] << 16) }
    p += [invalid, invalid]
    return p
  }()

  /// Entries for distance symbols 0...31: distances 1...32768 with their extra bits; 30 and 31 are invalid.
  static let distancePayload: [UInt32] = {
    var p: [UInt32] = []
    var b: UInt32 = 1
    for i in 0..<30 {
      let extra = UInt32(max(0, i / 2 - 1))
      p.append(base | extra << 8 | b << 16)
      b += 1 << extra
    }
    return p + [invalid, invalid]
  }()

  /// Entries for code-length symbols 0...18, decoded as plain values.
  static let codeLengthPayload: [UInt32] = (0..<19).map { literal | UInt32($0) << 16 }

  /// The fixed literal/length code of RFC 1951 §3.2.6.
  static let fixedLiteralLength: HuffmanTable = {
    let lengths = [UInt8](repeating: 8, count: 144) + [UInt8](repeating: 9, count: 112)
      + [UInt8](repeating: 7, count: 24) + [UInt8](repeating: 8, count: 8)
    // The fixed lengths form a valid code, so building cannot fail.
    return try! HuffmanTable(lengths: lengths[...], payload: literalLengthPayload, rootBits: 10, code: .literalLength,
                             offset: 0)
  }()

  /// The fixed distance code: 32 five-bit codes (30 and 31 never valid).
  static let fixedDistance: HuffmanTable = {
    // The fixed lengths form a valid code, so building cannot fail.
    try! HuffmanTable(lengths: [UInt8](repeating: 5, count: 32)[...], payload: distancePayload, rootBits: 8,
                      code: .distance, offset: 0)
  }()
}
