import ImageCodecs
import Testing

/// Malformed or hostile BMPs are refused with the specific error.
@Suite(.timeLimit(.minutes(5))) struct BMPMalformedTests {
  func le32(_ v: Int) -> [UInt8] { [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: v >> $0) } }
  func le16(_ v: Int) -> [UInt8] { [0, 8].map { UInt8(truncatingIfNeeded: v >> $0) } }

  /// A BMP with a 40-byte info header, `extra` (masks or palette) after it and then `pixels`.
  func bmp(width: Int, height: Int, bits: Int, compression: Int = 0, colors: Int = 0, extra: [UInt8] = [],
           pixels: [UInt8]) -> [UInt8] {
    let offset = 14 + 40 + extra.count
    let info = le32(40) + le32(width) + le32(height) + le16(1) + le16(bits) + le32(compression) + le32(pixels.count)
      + le32(0) + le32(0) + le32(colors) + le32(0)
    return Array("BM".utf8) + le32(offset + pixels.count) + le32(0) + le32(offset) + info + extra + pixels
  }

  /// 2×2 24-bit, bottom-up: the first stored row is the image's bottom row; rows padded to 8 bytes.
  @Test func theBuilderMakesAValidFile() throws {
    let rows: [UInt8] = [1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0]
    let image = try BMP.decode(bmp(width: 2, height: 2, bits: 24, pixels: rows)).image
    #expect(image.pixels == [9, 8, 7, 12, 11, 10, 3, 2, 1, 6, 5, 4])
  }

  @Test func headerErrors() {
    #expect(throws: BMPError.notBMP) { try BMP.decode(Array("GIF89a".utf8)) }
    #expect(throws: BMPError.truncated(needed: 18, available: 12)) {
      try BMP.decode(Array("BM".utf8) + [UInt8](repeating: 0, count: 10))
    }
    var file = bmp(width: 2, height: 2, bits: 24, pixels: [UInt8](repeating: 0, count: 16))
    file[14] = 20
    #expect(throws: BMPError.unsupportedHeader(size: 20)) { try BMP.decode(file) }
    #expect(throws: BMPError.unsupportedBitDepth(2)) {
      try BMP.decode(bmp(width: 2, height: 2, bits: 2, colors: 4, extra: [UInt8](repeating: 0, count: 16),
                         pixels: [0, 0, 0, 0, 0, 0, 0, 0]))
    }
    #expect(throws: BMPError.unsupportedCompression(4)) {
      try BMP.decode(bmp(width: 2, height: 2, bits: 24, compression: 4, pixels: [1, 2, 3]))
    }
    #expect(throws: BMPError.unsupportedBitfields(bits: 16, red: 0xf00, green: 0xf0, blue: 0xf, alpha: 0)) {
      try BMP.decode(bmp(width: 2, height: 2, bits: 16, compression: 3, extra: le32(0xf00) + le32(0xf0) + le32(0xf),
                         pixels: [UInt8](repeating: 0, count: 8)))
    }
    #expect(throws: BMPError.invalidPaletteSize(70_000)) {
      try BMP.decode(bmp(width: 2, height: 2, bits: 8, colors: 70_000, pixels: [UInt8](repeating: 0, count: 8)))
    }
  }

  @Test func limitsAreCheckedFromTheHeader() {
    #expect(throws: ImageLimitError.tooLarge(width: 70_000, height: 1, maxPixels: 100_000_000)) {
      try BMP.decode(bmp(width: 70_000, height: 1, bits: 24, pixels: []))
    }
    // A negative width reads as a huge unsigned one, as in Pillow.
    #expect(throws: ImageLimitError.tooLarge(width: 4_294_967_295, height: 1, maxPixels: 100_000_000)) {
      try BMP.decode(bmp(width: -1, height: 1, bits: 24, pixels: []))
    }
    #expect(throws: ImageLimitError.emptyImage(width: 0, height: 5)) {
      try BMP.decode(bmp(width: 0, height: 5, bits: 24, pixels: []))
    }
  }

  @Test func truncatedPixelData() {
    // 3×2 at 24 bits: rows of 9 bytes padded to 12; the last row needs 12 + 9 bytes.
    #expect(throws: BMPError.truncated(needed: 54 + 21, available: 54 + 20)) {
      try BMP.decode(bmp(width: 3, height: 2, bits: 24, pixels: [UInt8](repeating: 7, count: 20)))
    }
  }

  @Test func shortRLEData() {
    let palette = [UInt8](repeating: 0, count: 8)
    // 4×2 RLE8: one run of 4, end of line, then end of bitmap: only 4 of 8 pixels.
    #expect(throws: BMPError.rleDataShort(decoded: 4, expected: 8)) {
      try BMP.decode(bmp(width: 4, height: 2, bits: 8, compression: 1, colors: 2, extra: palette,
                         pixels: [4, 1, 0, 0, 0, 1]))
    }
  }

  @Test func corruptedFixturesNeverCrash() throws {
    try CodecChecks.expectCorruptionIsSurvived("bmp", seed: 5, copies: 50) {
      try BMP.decode($0, limits: $1)
    }
  }
}
