import ImageCodecs
import Testing

/// Malformed or hostile GIFs are refused with the specific error; short LZW data is tolerated as Pillow does.
@Suite(.timeLimit(.minutes(5))) struct GIFMalformedTests {
  /// A GIF89a with a 2-entry global table and one `width`×`height` frame whose LZW data is `lzw` (code size 2).
  func gif(width: Int = 3, height: Int = 1, screen: (Int, Int)? = nil, codeSize: UInt8 = 2,
           lzw: [UInt8]) -> [UInt8] {
    let (sw, sh) = screen ?? (width, height)
    func le(_ v: Int) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    return Array("GIF89a".utf8) + le(sw) + le(sh) + [0x80, 0, 0] + [10, 20, 30, 40, 50, 60]
      + [0x2c] + le(0) + le(0) + le(width) + le(height) + [0] + [codeSize, UInt8(lzw.count)] + lzw + [0, 0x3b]
  }

  // With code size 2: clear = 4, end = 5, codes 3 bits wide. Codes (LSB first): 4, 1, 0, 1, 5.
  let threePixels: [UInt8] = [0b0000_1100, 0b0101_0010]

  @Test func theBuilderMakesAValidFile() throws {
    let image = try GIF.decode(gif(lzw: threePixels)).image
    #expect(image.pixels == [40, 50, 60, 10, 20, 30, 40, 50, 60])
  }

  @Test func signatureAndStructure() {
    #expect(throws: GIFError.notGIF) { try GIF.decode(Array("GIF88a".utf8) + [UInt8](repeating: 0, count: 20)) }
    #expect(throws: GIFError.truncated(offset: 6)) { try GIF.decode(Array("GIF89a".utf8) + [1, 0]) }
    let headerOnly = Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0]
    #expect(throws: GIFError.noImage) { try GIF.decode(headerOnly + [0x3b]) }
    #expect(throws: GIFError.noImage) { try GIF.decode(headerOnly) }
    let file = gif(lzw: threePixels)
    // The image descriptor starts at byte 19; cut inside its data sub-block.
    #expect(throws: GIFError.truncated(offset: 19)) { try GIF.decode(Array(file[..<(file.count - 4)])) }
    #expect(throws: GIFError.invalidCodeSize(12, offset: 29)) { try GIF.decode(gif(codeSize: 12, lzw: threePixels)) }
  }

  @Test func undefinedCodeIsRefused() {
    // Codes: 4 (clear), 1, 7: code 7 is past the next free entry (6).
    #expect(throws: GIFError.invalidCode(7, pixel: 1)) { try GIF.decode(gif(lzw: [0b1100_1100, 0b0000_0001])) }
    // A first code (no clear) that is not a root.
    #expect(throws: GIFError.invalidCode(6, pixel: 0)) { try GIF.decode(gif(lzw: [0b0000_0110])) }
  }

  /// LZW data that ends (here with the end code) before the frame is full is refused, as Pillow refuses it
  /// ("image file is truncated"); codes after a full frame are ignored, as in Pillow.
  @Test func shortDataIsRefused() throws {
    #expect(throws: GIFError.imageDataShort(decoded: 3, expected: 6)) {
      try GIF.decode(gif(width: 3, height: 2, lzw: threePixels))
    }
    #expect(throws: GIFError.imageDataShort(decoded: 0, expected: 3)) { try GIF.decode(gif(lzw: [])) }
    #expect(try GIF.decode(gif(width: 2, height: 1, lzw: threePixels)).image.pixels == [40, 50, 60, 10, 20, 30])
  }

  @Test func limitsAreCheckedFromTheHeaders() {
    #expect(throws: ImageLimitError.tooLarge(width: 60_000, height: 60_000, maxPixels: 100_000_000)) {
      try GIF.decode(gif(width: 3, height: 1, screen: (60_000, 60_000), lzw: threePixels))
    }
    // A frame larger than the screen grows the canvas, and the grown size is checked too.
    #expect(throws: ImageLimitError.tooLarge(width: 3, height: 50_000, maxPixels: 100_000)) {
      try GIF.decode(gif(width: 3, height: 50_000, screen: (3, 1), lzw: threePixels),
                     limits: ImageLimits(maxPixels: 100_000))
    }
  }

  @Test func corruptedFixturesNeverCrash() throws {
    try CodecChecks.expectCorruptionIsSurvived("gif", seed: 11, copies: 50) {
      try GIF.decode($0, limits: $1)
    }
  }
}
