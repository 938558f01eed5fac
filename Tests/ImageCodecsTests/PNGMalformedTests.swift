@testable import ImageCodecs
import Inflate
import Testing

/// Each malformed or hostile PNG is refused with the specific error that says what is wrong and where.
@Suite(.timeLimit(.minutes(5))) struct PNGMalformedTests {
  let rows = TestPNG.plainRows(width: 4, height: 3)

  @Test func theBuilderMakesAValidFile() throws {
    let image = try PNG.decode(TestPNG.rgb(width: 4, height: 3, rows: rows)).image
    #expect(image.pixels == rows.enumerated().filter { $0.offset % 13 != 0 }.map(\.element))
  }

  @Test func signatureAndHeader() {
    #expect(throws: PNGError.notPNG) { try PNG.decode(Array("GIF89a".utf8)) }
    #expect(throws: PNGError.truncated(chunk: nil, offset: 8)) { try PNG.decode(TestPNG.signature) }
    #expect(throws: PNGError.missingHeader(found: "IDAT")) {
      try PNG.decode(TestPNG.signature + TestPNG.chunk("IDAT", []))
    }
    #expect(throws: PNGError.invalidHeaderLength(12)) {
      try PNG.decode(TestPNG.signature + TestPNG.chunk("IHDR", [UInt8](repeating: 1, count: 12)))
    }
    let bad: [([UInt8], PNGError)] = [
      (TestPNG.header(width: 4, height: 3, colorType: 5), .invalidColorType(5)),
      (TestPNG.header(width: 4, height: 3, depth: 16, colorType: 3), .invalidBitDepth(16, colorType: 3)),
      (TestPNG.header(width: 4, height: 3, depth: 4, colorType: 2), .invalidBitDepth(4, colorType: 2)),
      (TestPNG.header(width: 4, height: 3, compression: 1),
       .unsupportedMethod(compression: 1, filter: 0, interlace: 0)),
      (TestPNG.header(width: 4, height: 3, interlace: 2), .unsupportedMethod(compression: 0, filter: 0, interlace: 2)),
    ]
    for (header, error) in bad {
      #expect(throws: error) { try PNG.decode(TestPNG.signature + header + TestPNG.chunk("IEND", [])) }
    }
  }

  @Test func badChecksumNamesTheChunkAndBothValues() throws {
    var file = TestPNG.rgb(width: 4, height: 3, rows: rows)
    // IHDR's CRC sits at bytes 29...32; the IDAT chunk follows at 33.
    let declared = readUInt32(file, 29)
    file[32] ^= 0xff
    #expect(throws: PNGError.badChecksum(chunk: "IHDR", declared: declared ^ 0xff, computed: declared)) {
      try PNG.decode(file)
    }
    file = TestPNG.rgb(width: 4, height: 3, rows: rows)
    file[33 + 8 + 10] ^= 1  // a byte inside IDAT's data
    let idatLength = Int(readUInt32(file, 33))
    let crcAt = 33 + 8 + idatLength
    #expect(throws: PNGError.badChecksum(chunk: "IDAT", declared: readUInt32(file, crcAt),
                                         computed: CRC32.checksum(file, 37..<crcAt))) {
      try PNG.decode(file)
    }
  }

  /// Width, height and pixel count are checked from IHDR, before any chunk after it is even read.
  @Test func limitsAreCheckedFromTheHeader() {
    let huge = TestPNG.signature + TestPNG.header(width: 60_000, height: 60_000)
    #expect(throws: ImageLimitError.tooLarge(width: 60_000, height: 60_000, maxPixels: 100_000_000)) {
      try PNG.decode(huge)
    }
    #expect(throws: ImageLimitError.tooLarge(width: 4, height: 3, maxPixels: 11)) {
      try PNG.decode(TestPNG.rgb(width: 4, height: 3, rows: rows), limits: ImageLimits(maxPixels: 11))
    }
    #expect(throws: ImageLimitError.emptyImage(width: 0, height: 3)) {
      try PNG.decode(TestPNG.signature + TestPNG.header(width: 0, height: 3))
    }
  }

  @Test func chunkStructure() throws {
    let ihdr = TestPNG.signature + TestPNG.header(width: 4, height: 3)
    let idat = TestPNG.chunk("IDAT", TestPNG.zlibStored(rows))
    #expect(throws: PNGError.missingImageData) { try PNG.decode(ihdr + TestPNG.chunk("IEND", [])) }
    let split = ihdr + TestPNG.chunk("IDAT", []) + TestPNG.chunk("tEXt", Array("a\0b".utf8)) + idat
    #expect(throws: PNGError.imageDataNotContiguous(offset: 33 + 12 + 15)) { try PNG.decode(split) }
    #expect(throws: PNGError.duplicateHeader(offset: 33)) {
      try PNG.decode(ihdr + TestPNG.header(width: 4, height: 3) + idat)
    }
    // Unknown chunks are skipped, critical or not (as Pillow does); so is a non-palette image's PLTE, however
    // malformed.
    let image = try PNG.decode(TestPNG.rgb(width: 4, height: 3, rows: rows)).image
    let extra = TestPNG.chunk("ABCD", [1, 2]) + TestPNG.chunk("PLTE", [1, 2, 3, 4])
    #expect(try PNG.decode(ihdr + extra + idat + TestPNG.chunk("IEND", [])).image == image)
    #expect(throws: PNGError.invalidChunkLength(chunk: "IDAT", length: 0x8000_0000, offset: 33)) {
      try PNG.decode(ihdr + [0x80, 0, 0, 0] + Array("IDAT".utf8) + [UInt8](repeating: 0, count: 8))
    }
  }

  @Test func palettes() {
    let head = TestPNG.signature + TestPNG.header(width: 4, height: 3, colorType: 3)
    let idat = TestPNG.chunk("IDAT", TestPNG.zlibStored([UInt8](repeating: 0, count: 15)))
    #expect(throws: PNGError.missingPalette) { try PNG.decode(head + idat + TestPNG.chunk("IEND", [])) }
    #expect(throws: PNGError.invalidPalette(length: 4)) {
      try PNG.decode(head + TestPNG.chunk("PLTE", [1, 2, 3, 4]) + idat + TestPNG.chunk("IEND", []))
    }
    #expect(throws: PNGError.invalidPalette(length: 771)) {
      try PNG.decode(head + TestPNG.chunk("PLTE", [UInt8](repeating: 0, count: 771)) + idat)
    }
  }

  @Test func invalidFilterNamesTheRow() {
    var bad = rows
    bad[2 * 13] = 5
    #expect(throws: PNGError.invalidFilter(5, row: 2)) { try PNG.decode(TestPNG.rgb(width: 4, height: 3, rows: bad)) }
    // Adam7, 4×3: passes 1, 4, 5, 6, 7 are 1×1, 1×1, 2×1, 2×2 and 4×1 (2 and 3 are empty); the filter byte of
    // pass 6's second row, scanline 4 overall, is made invalid.
    let passRows: [(width: Int, count: Int)] = [(1, 1), (0, 0), (0, 0), (1, 1), (2, 1), (2, 2), (4, 1)]
    var interlaced: [UInt8] = []
    var scanline = 0
    for pass in passRows where pass.count > 0 {
      for _ in 0..<pass.count {
        interlaced += [scanline == 4 ? 7 : 0] + [UInt8](repeating: 9, count: 3 * pass.width)
        scanline += 1
      }
    }
    let file = TestPNG.signature + TestPNG.header(width: 4, height: 3, interlace: 1)
      + TestPNG.chunk("IDAT", TestPNG.zlibStored(interlaced)) + TestPNG.chunk("IEND", [])
    #expect(throws: PNGError.invalidFilter(7, row: 4)) { try PNG.decode(file) }
  }

  /// The image data must inflate to exactly the header's size: no more (a decompression bomb stops at that
  /// bound), no less.
  @Test func imageDataSizeIsEnforced() {
    #expect(throws: PNGError.compressedData(.outputLimitExceeded(limit: 39))) {
      try PNG.decode(TestPNG.rgb(width: 4, height: 3, rows: rows + [UInt8](repeating: 0, count: 100_000)))
    }
    #expect(throws: PNGError.compressedData(.outputTooShort(expected: 39, produced: 26))) {
      try PNG.decode(TestPNG.rgb(width: 4, height: 3, rows: Array(rows[..<26])))
    }
    var stream = TestPNG.zlibStored(rows)
    stream[stream.count - 1] ^= 1
    let adler = Adler32.checksum(rows)
    #expect(throws: PNGError.compressedData(.badAdler32(declared: adler ^ 1, computed: adler))) {
      try PNG.decode(TestPNG.signature + TestPNG.header(width: 4, height: 3) + TestPNG.chunk("IDAT", stream))
    }
  }

  /// With the pixel limit lifted, a 65535×65535 16-bit RGBA header (34 GB of image data) over a few bytes of
  /// IDAT fails on the data, without first allocating what the header claims.
  @Test func hugeHeaderOverTinyDataIsNotAllocated() {
    let file = TestPNG.signature + TestPNG.header(width: 65_535, height: 65_535, depth: 16, colorType: 6)
      + TestPNG.chunk("IDAT", TestPNG.zlibStored(rows)) + TestPNG.chunk("IEND", [])
    let expected = 65_535 * (1 + 65_535 * 8)
    #expect(throws: PNGError.compressedData(.outputTooShort(expected: expected, produced: rows.count))) {
      try PNG.decode(file, limits: ImageLimits(maxPixels: .max))
    }
  }

  @Test func truncation() throws {
    let file = TestPNG.rgb(width: 4, height: 3, rows: rows)
    // Cut inside the IDAT chunk (which starts at byte 33).
    #expect(throws: PNGError.truncated(chunk: "IDAT", offset: 33)) { try PNG.decode(Array(file[..<60])) }
    #expect(throws: PNGError.truncated(chunk: "IHDR", offset: 8)) { try PNG.decode(Array(file[..<20])) }
    // Cut after the image data, inside or before IEND: accepted, as Pillow does.
    let image = try PNG.decode(TestPNG.rgb(width: 4, height: 3, rows: rows)).image
    #expect(try PNG.decode(Array(file[..<(file.count - 12)])).image == image)
    #expect(try PNG.decode(Array(file[..<(file.count - 5)])).image == image)
  }

  /// Random corruptions of real fixtures either decode or throw; they never crash.
  @Test func corruptedFixturesNeverCrash() throws {
    try CodecChecks.expectCorruptionIsSurvived("png", seed: 7, copies: 20) {
      try PNG.decode($0, limits: $1)
    }
  }
}
