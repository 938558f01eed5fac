import Foundation
import Testing
import Kernels

/// The float widening kernels against the standard library's own conversions.
@Suite(.timeLimit(.minutes(5))) struct FloatWideningTests {
  /// Little-endian bytes of the 16-bit words.
  static func bytes(_ words: [UInt16]) -> Data { Data(words.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] }) }

  #if !(os(macOS) && arch(x86_64))
  @Test func float16MatchesFloat16ConversionForEveryBitPattern() {
    let words = (0...UInt16.max).map { $0 }
    let widened = widenFloat16(Self.bytes(words))
    #expect(widened.count == words.count)
    for (word, value) in zip(words, widened) {
      let expected = Float(Float16(bitPattern: word))
      #expect(value.bitPattern == expected.bitPattern || (value.isNaN && expected.isNaN), "\(word)")
      if value.bitPattern != expected.bitPattern { break }
    }
  }
  #endif

  @Test func float16EdgeValues() {
    // +0, -0, smallest subnormal, largest subnormal, 1, -2, largest finite, +inf, a NaN with payload.
    let words: [UInt16] = [0x0000, 0x8000, 0x0001, 0x03FF, 0x3C00, 0xC000, 0x7BFF, 0x7C00, 0x7E01]
    let widened = widenFloat16(Self.bytes(words))
    #expect(Array(widened[0..<7]) == [0, -0.0, 0x1p-24, 1023 * 0x1p-24, 1, -2, 65504])
    #expect(widened[1].sign == .minus)
    #expect(widened[7] == .infinity)
    #expect(widened[8].bitPattern == 0x7FC0_2000)
  }

  @Test func bfloat16IsTheUpperHalf() {
    let words: [UInt16] = [0x3F80, 0xC040, 0x7F80, 0x0001]
    #expect(widenBFloat16(Self.bytes(words)).map(\.bitPattern) == [0x3F80_0000, 0xC040_0000, 0x7F80_0000, 0x0001_0000])
  }

  @Test func float32ReadsLittleEndianFromADataSlice() {
    let values: [Float] = [1.5, -0.0, .greatestFiniteMagnitude, .leastNonzeroMagnitude]
    let littleEndian = values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }
    let stored = Data([0xAA]) + Data(littleEndian)
    #expect(widenFloat32(stored[1...]).map(\.bitPattern) == values.map(\.bitPattern))
  }

  @Test func emptyInputGivesEmptyOutput() {
    #expect(widenFloat16(Data()).isEmpty)
    #expect(widenBFloat16(Data()).isEmpty)
    #expect(widenFloat32(Data()).isEmpty)
  }
}
