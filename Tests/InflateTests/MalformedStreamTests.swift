import Inflate
import Testing

/// Each malformed stream is refused with the specific error that names the problem and where it is.
@Suite(.timeLimit(.minutes(5))) struct MalformedStreamTests {
  @Test func badAdler32() throws {
    var stream = try Fixtures.bytes("streams/text.level6.zlib")
    let input = try Fixtures.bytes("inputs/text.bin")
    let computed = Adler32.checksum(input)
    stream[stream.count - 1] ^= 0x55
    #expect(throws: InflateError.badAdler32(declared: computed ^ 0x55, computed: computed)) {
      try Zlib.decompress(stream, expectedSize: input.count)
    }
  }

  @Test func badZlibHeader() {
    #expect(throws: InflateError.badZlibHeader(cmf: 0x78, flg: 0x9d)) {
      try Zlib.decompress([0x78, 0x9d, 3, 0], maxOutput: 10)
    }
    #expect(throws: InflateError.unsupportedCompression(cmf: 0x79)) {
      try Zlib.decompress([0x79, 0x18, 3, 0], maxOutput: 10)
    }
    #expect(throws: InflateError.presetDictionary) { try Zlib.decompress([0x78, 0xbb, 3, 0], maxOutput: 10) }
  }

  @Test func badBlockType() {
    var w = BitWriter()
    w.blockHeader(type: 3)
    #expect(throws: InflateError.invalidBlockType(3, offset: 2)) {
      try Zlib.decompress(zlibWrap(w.bytes, adler: 1), maxOutput: 10)
    }
  }

  @Test func storedLengthMismatch() {
    var w = BitWriter()
    w.blockHeader(type: 0)
    w.bits(0, 5)
    w.bits(5, 16)
    w.bits(0xfffb, 16)
    #expect(throws: InflateError.storedLengthMismatch(length: 5, complement: 0xfffb, offset: 1)) {
      try Deflate.inflate(w.bytes + [1, 2, 3, 4, 5], maxOutput: 10)
    }
  }

  @Test func distanceTooFarBack() {
    var w = BitWriter()
    w.blockHeader(type: 1)
    w.fixedSymbol(Int(UInt8(ascii: "x")))
    w.fixedSymbol(257)  // length 3
    w.code(1, 5)        // distance 2, but only one byte is out
    w.fixedSymbol(256)
    #expect(throws: InflateError.distanceTooFarBack(distance: 2, outputPosition: 1)) {
      try Deflate.inflate(w.bytes, maxOutput: 100)
    }
  }

  @Test func invalidFixedSymbols() {
    var w = BitWriter()
    w.blockHeader(type: 1)
    w.fixedSymbol(286)
    #expect(throws: InflateError.invalidSymbol(.literalLength, offset: 1)) {
      try Deflate.inflate(w.bytes, maxOutput: 100)
    }
    w = BitWriter()
    w.blockHeader(type: 1)
    w.fixedSymbol(65)
    w.fixedSymbol(257)
    w.code(30, 5)
    #expect(throws: InflateError.invalidSymbol(.distance, offset: 2)) { try Deflate.inflate(w.bytes, maxOutput: 100) }
  }

  /// A dynamic block header whose code-length code has the given lengths for symbols (0, 1, 2, 18) and whose
  /// literal/length and distance lengths are then written with `body`.
  func dynamicBlock(codeLengthLengths: [Int] = [2, 2, 2, 2], literalCount: Int = 257, distanceCount: Int = 1,
                    body: (inout BitWriter) -> Void) -> [UInt8] {
    var w = BitWriter()
    w.blockHeader(type: 2)
    w.bits(literalCount - 257, 5)
    w.bits(distanceCount - 1, 5)
    // Order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1: eighteen entries reach symbol 1.
    w.bits(18 - 4, 4)
    let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1]
    let lengthOf = [0: codeLengthLengths[0], 1: codeLengthLengths[1], 2: codeLengthLengths[2],
                    18: codeLengthLengths[3]]
    for symbol in order { w.bits(lengthOf[symbol] ?? 0, 3) }
    body(&w)
    return w.bytes
  }

  /// With code-length symbols 0, 1, 2, 18 each two bits long (codes 00, 01, 10, 11).
  func lengths(_ w: inout BitWriter, _ values: [Int]) {
    var i = 0
    while i < values.count {
      var run = 0
      while values[i] == 0 && i + run < values.count && values[i + run] == 0 && run < 138 { run += 1 }
      if run >= 11 {
        w.code(3, 2)
        w.bits(run - 11, 7)
        i += run
      } else {
        w.code(values[i], 2)
        i += 1
      }
    }
  }

  // Offsets: the block header takes 3 + 14 bits and the code-length code 18 × 3 bits, so the code-length code is
  // built at bit 71 (byte 8); the literal/length code after its lengths are read.
  @Test func oversubscribedAndIncompleteCodes() {
    let allOnes = dynamicBlock(codeLengthLengths: [1, 1, 1, 1]) { _ in }
    #expect(throws: InflateError.oversubscribedCode(.codeLength, offset: 8)) {
      try Deflate.inflate(allOnes, maxOutput: 100)
    }
    let lonely = dynamicBlock(codeLengthLengths: [2, 0, 0, 0]) { _ in }
    #expect(throws: InflateError.incompleteCode(.codeLength, offset: 8)) {
      try Deflate.inflate(lonely, maxOutput: 100)
    }
    // Five literal/length codes of two bits: oversubscribed.
    var five = [Int](repeating: 0, count: 258)
    for s in [0, 1, 2, 3, 256] { five[s] = 2 }
    five[257] = 1
    #expect(throws: InflateError.oversubscribedCode(.literalLength, offset: 12)) {
      try Deflate.inflate(dynamicBlock { lengths(&$0, five) }, maxOutput: 100)
    }
    // Only the end-of-block code, two bits long: incomplete.
    var endOnly = [Int](repeating: 0, count: 258)
    endOnly[256] = 2
    endOnly[257] = 1
    // 71 bits + two zero runs (2 × 9 bits) + two lengths (2 × 2 bits) = bit 93, byte 11.
    #expect(throws: InflateError.incompleteCode(.literalLength, offset: 11)) {
      try Deflate.inflate(dynamicBlock { lengths(&$0, endOnly) }, maxOutput: 100)
    }
    var noEnd = [Int](repeating: 0, count: 258)
    noEnd[65] = 1
    noEnd[66] = 1
    #expect(throws: InflateError.missingEndOfBlock(offset: 0)) {
      try Deflate.inflate(dynamicBlock { lengths(&$0, noEnd) }, maxOutput: 100)
    }
  }

  /// One distance code of one bit is a legal incomplete code (zlib accepts it); so is a block with no distance
  /// codes at all.
  @Test func singleDistanceCodeIsAccepted() throws {
    var values = [Int](repeating: 0, count: 258)
    values[65] = 1
    values[256] = 1
    values[257] = 1
    let block = dynamicBlock {
      lengths(&$0, values)
      $0.code(0, 1)  // 'A'
      $0.code(0, 1)  // 'A'
      $0.code(1, 1)  // end of block
    }
    #expect(try Deflate.inflate(block, maxOutput: 10).output == [65, 65])
  }

  @Test func tooManyCodesAndRepeatErrors() {
    let tooMany = dynamicBlock(literalCount: 287) { _ in }
    #expect(throws: InflateError.tooManyCodes(literalLength: 287, distance: 1, offset: 0)) {
      try Deflate.inflate(tooMany, maxOutput: 100)
    }
    // Code-length code: symbols 0 and 16, one bit each (0 → 0, 16 → 1); symbol 16 comes first, at bit 29.
    var w = BitWriter()
    w.blockHeader(type: 2)
    w.bits(0, 5)
    w.bits(0, 5)
    w.bits(0, 4)
    for length in [1, 0, 0, 1] { w.bits(length, 3) }  // symbols 16, 17, 18, 0
    w.code(1, 1)  // symbol 16 with nothing before it
    #expect(throws: InflateError.repeatWithoutPreviousLength(offset: 3)) {
      try Deflate.inflate(w.bytes + [0, 0], maxOutput: 100)
    }
    let overrun = dynamicBlock { w in
      for _ in 0..<3 {
        w.code(3, 2)
        w.bits(127, 7)  // 2 × 138 zeros > 258 lengths: the second run, at bit 80, overruns
      }
    }
    #expect(throws: InflateError.codeLengthsOverrun(offset: 10)) { try Deflate.inflate(overrun, maxOutput: 100) }
  }

  @Test func truncatedInput() throws {
    let stream = try Fixtures.bytes("streams/text.level9.zlib")
    let size = try Fixtures.bytes("inputs/text.bin").count
    for cut in [0, 1, 2, 3, 10, stream.count / 2, stream.count - 5, stream.count - 1] {
      let prefix = Array(stream[..<cut])
      #expect(throws: InflateError.unexpectedEnd(inputLength: cut), "cut at \(cut)") {
        try Zlib.decompress(prefix, expectedSize: size)
      }
    }
    let stored = try Fixtures.bytes("streams/large.level0.zlib")
    #expect(throws: InflateError.unexpectedEnd(inputLength: 40000)) {
      try Zlib.decompress(Array(stored[..<40000]), maxOutput: 1 << 20)
    }
  }

  @Test func outputLimitExceededAndTooShort() throws {
    let stream = try Fixtures.bytes("streams/text.level6.zlib")
    let size = try Fixtures.bytes("inputs/text.bin").count
    #expect(throws: InflateError.outputLimitExceeded(limit: size - 1)) {
      try Zlib.decompress(stream, expectedSize: size - 1)
    }
    #expect(throws: InflateError.outputLimitExceeded(limit: 1000)) { try Zlib.decompress(stream, maxOutput: 1000) }
    #expect(throws: InflateError.outputTooShort(expected: size + 1, produced: size)) {
      try Zlib.decompress(stream, expectedSize: size + 1)
    }
    let stored = try Fixtures.bytes("streams/large.level0.zlib")
    #expect(throws: InflateError.outputLimitExceeded(limit: 65_534)) { try Zlib.decompress(stored, maxOutput: 65_534) }
  }

  /// A short stream claiming a huge size is refused without allocating that size (1 TiB here would crash).
  @Test func hugeExpectedSizeIsNotAllocatedUpFront() throws {
    let stream = try Fixtures.bytes("streams/text.level6.zlib")
    let size = try Fixtures.bytes("inputs/text.bin").count
    #expect(throws: InflateError.outputTooShort(expected: 1 << 40, produced: size)) {
      try Zlib.decompress(stream, expectedSize: 1 << 40)
    }
  }

  /// Random bytes and random corruptions of a valid stream either decode or throw; they never crash or hang.
  @Test func randomGarbageNeverCrashes() throws {
    var rng = SplitMix64(seed: 42)
    let valid = try Fixtures.bytes("streams/image.level6.zlib")
    for trial in 0..<2000 {
      var bytes: [UInt8]
      if trial % 2 == 0 {
        bytes = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      } else {
        bytes = valid
        for _ in 0..<(1 + rng.next() % 4) {
          bytes[2 + Int(rng.next() % UInt64(bytes.count - 2))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
        }
      }
      _ = try? Deflate.inflate(bytes, maxOutput: 20_000)
      _ = try? Zlib.decompress(bytes, maxOutput: 20_000)
    }
  }
}

/// A tiny deterministic generator (Steele, Lea, Flood 2014) so the garbage tests are reproducible.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
}
