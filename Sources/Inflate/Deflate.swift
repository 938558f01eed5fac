/// Raw DEFLATE (RFC 1951) decompression: stored, fixed-Huffman and dynamic-Huffman blocks.
public enum Deflate {
  /// Decompresses the raw DEFLATE stream starting at `bytes[start]`.
  ///
  /// Output is bounded by `maxOutput`: a stream that would produce more throws `outputLimitExceeded` without
  /// allocating beyond that bound. `expectedSize` (≤ `maxOutput`) is only a capacity hint.
  /// - Returns: the decompressed bytes and the index just past the stream's last byte (where a zlib trailer
  ///   starts).
  /// - Complexity: O(input + output).
  public static func inflate(_ bytes: [UInt8], from start: Int = 0, maxOutput: Int,
                             expectedSize: Int? = nil) throws -> (output: [UInt8], end: Int) {
    precondition(start >= 0 && start <= bytes.count && maxOutput >= 0, "Deflate.inflate: bad arguments")
    let initial = min(maxOutput, expectedSize ?? max(64 * 1024, bytes.count * 4))
    var output = [UInt8](repeating: 0, count: initial)
    var produced = 0
    var reader = BitReader(bytes, position: start)
    try inflateBlocks(&reader, into: &output, produced: &produced, limit: maxOutput)
    reader.alignToByte()
    let end = reader.position
    output.removeSubrange(produced...)
    return (output, end)
  }

  /// Decodes blocks until the one marked final.
  static func inflateBlocks(_ reader: inout BitReader, into output: inout [UInt8], produced: inout Int,
                            limit: Int) throws {
    var isFinal = false
    while !isFinal {
      let blockOffset = reader.offset
      isFinal = try reader.bits(1) == 1
      switch try reader.bits(2) {
      case 0:
        try copyStored(&reader, into: &output, produced: &produced, limit: limit)
      case 1:
        try decodeHuffman(&reader, .fixedLiteralLength, .fixedDistance, into: &output, produced: &produced,
                          limit: limit)
      case 2:
        let (literalLength, distance) = try readDynamicTables(&reader)
        try decodeHuffman(&reader, literalLength, distance, into: &output, produced: &produced, limit: limit)
      case let type:
        throw InflateError.invalidBlockType(UInt8(type), offset: blockOffset)
      }
    }
  }

  /// Makes room for `needed` more bytes, doubling the buffer but never past `limit`.
  static func reserve(_ needed: Int, in output: inout [UInt8], produced: Int, limit: Int) throws {
    guard produced + needed > output.count else { return }
    guard produced + needed <= limit else { throw InflateError.outputLimitExceeded(limit: limit) }
    let target = min(limit, max(produced + needed, output.count * 2, 64 * 1024))
    output.append(contentsOf: repeatElement(0, count: target - output.count))
  }

  static func copyStored(_ reader: inout BitReader, into output: inout [UInt8], produced: inout Int,
                         limit: Int) throws {
    reader.alignToByte()
    let at = reader.position
    let length = try reader.bits(16), complement = try reader.bits(16)
    guard length == ~complement & 0xffff else {
      throw InflateError.storedLengthMismatch(length: UInt16(length), complement: UInt16(complement), offset: at)
    }
    reader.alignToByte()
    let from = reader.position
    guard from + length <= reader.input.count else {
      throw InflateError.unexpectedEnd(inputLength: reader.input.count)
    }
    try reserve(length, in: &output, produced: produced, limit: limit)
    output[produced..<produced + length] = reader.input[from..<from + length]
    produced += length
    reader.position = from + length
  }

  /// Reads a dynamic block's header: the code-length code, then the literal/length and distance codes.
  static func readDynamicTables(_ reader: inout BitReader) throws -> (HuffmanTable, HuffmanTable) {
    let headerOffset = reader.offset
    let literalCount = try reader.bits(5) + 257, distanceCount = try reader.bits(5) + 1
    let codeLengthCount = try reader.bits(4) + 4
    guard literalCount <= 286, distanceCount <= 30 else {
      throw InflateError.tooManyCodes(literalLength: literalCount, distance: distanceCount, offset: headerOffset)
    }
    let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    var codeLengthLengths = [UInt8](repeating: 0, count: 19)
    for i in 0..<codeLengthCount { codeLengthLengths[order[i]] = UInt8(try reader.bits(3)) }
    let codeLengthCode = try HuffmanTable(lengths: codeLengthLengths[...], payload: HuffmanTable.codeLengthPayload,
                                          rootBits: 7, code: .codeLength, offset: reader.offset)

    let total = literalCount + distanceCount
    var lengths = [UInt8](repeating: 0, count: total)
    var i = 0
    while i < total {
      let at = reader.offset
      let symbol = Int(try reader.decode(codeLengthCode) >> 16)
      if symbol < 16 {
        lengths[i] = UInt8(symbol)
        i += 1
        continue
      }
      var value: UInt8 = 0, repeats: Int
      switch symbol {
      case 16:
        guard i > 0 else { throw InflateError.repeatWithoutPreviousLength(offset: at) }
        value = lengths[i - 1]
        repeats = 3 + (try reader.bits(2))
      case 17: repeats = 3 + (try reader.bits(3))
      default: repeats = 11 + (try reader.bits(7))
      }
      guard i + repeats <= total else { throw InflateError.codeLengthsOverrun(offset: at) }
      for j in i..<(i + repeats) { lengths[j] = value }
      i += repeats
    }
    guard lengths[256] != 0 else { throw InflateError.missingEndOfBlock(offset: headerOffset) }
    let literalLength = try HuffmanTable(lengths: lengths[0..<literalCount],
                                         payload: HuffmanTable.literalLengthPayload, rootBits: 10,
                                         code: .literalLength, offset: reader.offset)
    let distance = try HuffmanTable(lengths: lengths[literalCount...], payload: HuffmanTable.distancePayload,
                                    rootBits: 8, code: .distance, offset: reader.offset)
    return (literalLength, distance)
  }

  /// Decodes one Huffman-coded block, growing `output` (within `limit`) whenever a symbol does not fit.
  static func decodeHuffman(_ reader: inout BitReader, _ literalLength: HuffmanTable, _ distance: HuffmanTable,
                            into output: inout [UInt8], produced: inout Int, limit: Int) throws {
    while true {
      let needed = try decodeSymbols(&reader, &output, &produced, literalLength.entries, literalLength.rootBits,
                                     distance.entries, distance.rootBits)
      if needed == 0 { return }
      try reserve(needed, in: &output, produced: produced, limit: limit)
    }
  }
}
