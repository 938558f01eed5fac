import Inflate
import Testing

/// Every stream CPython's zlib wrote (levels 0–9, fixed, Huffman-only, RLE and filtered strategies, raw DEFLATE)
/// decompresses to exactly its input.
@Suite(.timeLimit(.minutes(5))) struct ReferenceStreamTests {
  @Test func zlibStreamsMatchTheirInputs() throws {
    let cases = try Fixtures.cases().filter { !$0.raw }
    #expect(cases.count >= 80)
    for c in cases {
      let stream = try Fixtures.bytes("streams/" + c.stream), input = try Fixtures.bytes("inputs/" + c.input)
      #expect(try Zlib.decompress(stream, expectedSize: input.count) == input, "\(c.stream)")
      #expect(try Zlib.decompress(stream, maxOutput: input.count + 1000) == input, "\(c.stream) (unknown size)")
      #expect(Adler32.checksum(input) == c.adler32, "\(c.input)")
    }
  }

  @Test func rawDeflateStreamsMatchTheirInputs() throws {
    let cases = try Fixtures.cases().filter(\.raw)
    #expect(cases.count >= 6)
    for c in cases {
      let stream = try Fixtures.bytes("streams/" + c.stream), input = try Fixtures.bytes("inputs/" + c.input)
      let (output, end) = try Deflate.inflate(stream, maxOutput: input.count)
      #expect(output == input, "\(c.stream)")
      #expect(end == stream.count, "\(c.stream): stream end")
    }
  }

  /// Growth from a small first buffer: the unknown-size path doubles the output as it goes.
  @Test func unknownSizeGrowsTheOutput() throws {
    let stream = try Fixtures.bytes("streams/runs.level9.zlib"), input = try Fixtures.bytes("inputs/runs.bin")
    #expect(try Zlib.decompress(stream, maxOutput: 1 << 30) == input)
  }

  /// Empty input, as a fixed block (level 6) and as an empty stored block (level 0), into a zero-byte output.
  @Test func emptyStreamGivesNoBytes() throws {
    for level in [0, 6] {
      let stream = try Fixtures.bytes("streams/empty.level\(level).zlib")
      #expect(try Zlib.decompress(stream, expectedSize: 0) == [], "level \(level)")
      #expect(try Zlib.decompress(stream, maxOutput: 0) == [], "level \(level)")
    }
  }

  /// A fixed-Huffman block with overlapping back-references (distance 1 and 3), built by hand.
  @Test func handBuiltFixedBlockWithOverlappingMatches() throws {
    var w = BitWriter()
    w.blockHeader(type: 1)
    for byte in Array("abc".utf8) { w.fixedSymbol(Int(byte)) }
    w.fixedSymbol(265)  // length 11 + 1 extra bit
    w.bits(1, 1)        // length 12
    w.code(2, 5)        // distance code 2: distance 3
    w.fixedSymbol(257)  // length 3
    w.code(0, 5)        // distance 1
    w.fixedSymbol(256)
    let expected = Array("abcabcabcabcabc".utf8) + Array(repeating: UInt8(ascii: "c"), count: 3)
    #expect(try Deflate.inflate(w.bytes, maxOutput: 100).output == expected)
    #expect(try Zlib.decompress(zlibWrap(w.bytes, adler: Adler32.checksum(expected)), expectedSize: 18) == expected)
  }
}
